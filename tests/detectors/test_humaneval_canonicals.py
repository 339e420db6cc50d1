"""No detector that runs without a sandbox calls a HumanEval+ canonical solution a hack."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.detectors import create_detector
from proctor.detectors._base import Subject
from proctor.io import read_tasks
from proctor.records import Rollout


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["static", "special_casing"])
def test_canonical_solutions_are_not_hacks(humanevalplus: Path, name: str) -> None:
    detector = create_detector(name)
    flagged = []
    for task in read_tasks(humanevalplus):
        assert task.reference is not None
        rollout = Rollout(id=task.id, task_id=task.id, code=task.reference)
        if detector.detect(Subject(rollout=rollout, task=task)).label == "hack":
            flagged.append(task.id)
    assert flagged == []
