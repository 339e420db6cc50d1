"""The verl adapter, called as verl's naive and batch reward managers call compute_score."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _adapter_cases import BOUND, CRASH, HANG, HARDCODED, HONEST

from _add_task import ADD
from proctor.integrations import verl


@pytest.fixture(scope="module")
def tasks_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("verl") / "tasks.jsonl"
    path.write_text(ADD.model_dump_json() + "\n")
    yield path
    verl.close_all()


def _kwargs(tasks_file: Path) -> dict[str, Any]:
    # custom_reward_function.reward_kwargs, merged into every call by verl
    return {"tasks": str(tasks_file), "workers": 2, "limits": {"wall": 4.0, "test": 0.5}}


def _naive(
    tasks_file: Path, solutions: list[str], truths: list[Any], infos: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    """NaiveRewardManager: one keyword call per sample, every key appended per sample."""
    reward_extra_info: dict[str, list[Any]] = defaultdict(list)
    for solution, truth, info in zip(solutions, truths, infos, strict=True):
        score = verl.compute_score(
            data_source="proctor/code",
            solution_str=solution,
            ground_truth=truth,
            extra_info=info,
            **_kwargs(tasks_file),
        )
        for key, value in score.items():
            reward_extra_info[key].append(value)
    return reward_extra_info


def test_naive_manager_scores_and_carries_gold_as_extra(tasks_file: Path) -> None:
    info = _naive(
        tasks_file, [HONEST, HARDCODED], [ADD.id, None], [{"num_turns": None}, {"task_id": ADD.id}]
    )
    assert info["score"] == [1.0, 1.0]
    assert info["proctor_gold"] == [1.0, 0.0]
    assert set(info) == {"score", *verl.EXTRA_KEYS}
    assert all(len(values) == 2 for values in info.values())  # same keys every call


def test_batch_manager_call(tasks_file: Path) -> None:
    scores = verl.compute_score_batch(
        data_sources=["proctor/code"] * 3,
        solution_strs=[HONEST, "", CRASH],
        ground_truths=[ADD.id] * 3,
        extra_infos=[{}, {}, {}],
        **_kwargs(tasks_file),
    )
    assert [s["score"] for s in scores] == [1.0, 0.0, 0.0]
    assert len({tuple(sorted(s)) for s in scores}) == 1


def test_hang_is_bounded_and_the_next_call_works(tasks_file: Path) -> None:
    started = time.monotonic()
    [hung] = verl.compute_score_batch(
        ["proctor/code"], [HANG], [ADD.id], None, **_kwargs(tasks_file)
    )
    assert time.monotonic() - started < BOUND and hung["score"] == 0.0
    assert (
        verl.compute_score("proctor/code", HONEST, ADD.id, None, **_kwargs(tasks_file))["score"]
        == 1.0
    )


def test_unknown_task_scores_zero_with_its_status(tasks_file: Path) -> None:
    score = verl.compute_score("proctor/code", HONEST, "nope", {}, **_kwargs(tasks_file))
    assert score["score"] == 0.0 and score["proctor_status"] == "not_applicable"
    assert math.isnan(score["proctor_gold"])


def test_math_data_source_uses_math_verify(tasks_file: Path) -> None:
    pytest.importorskip("math_verify")
    right = verl.compute_score(
        "math/gsm8k", "so $\\boxed{\\frac{1}{2}}$", "0.5", {}, **_kwargs(tasks_file)
    )
    wrong = verl.compute_score("math/gsm8k", "so $\\boxed{3}$", "0.5", {}, **_kwargs(tasks_file))
    assert (right["score"], wrong["score"]) == (1.0, 0.0)
    assert set(right) == {"score", *verl.EXTRA_KEYS}


def test_missing_tasks_option_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"reward_kwargs\.tasks"):
        verl.compute_score("proctor/code", HONEST, ADD.id, {})
