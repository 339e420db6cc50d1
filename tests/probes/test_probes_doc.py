"""docs/probes.md's Python example runs and prints what it says."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

DOC = Path(__file__).resolve().parents[2] / "docs" / "probes.md"


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"## From Python.*?```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block is not None
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "docs/probes.md", "exec"), {})
    first, second = out.getvalue().splitlines()
    layer, pooling, cv_auc = first.split()
    assert int(layer) in (0, 1) and pooling in ("mean", "last") and float(cv_auc) > 0.9
    honest, hack, *_ = ast.literal_eval(second)
    assert honest < 0.5 < hack  # as the comment in the example says
    assert (tmp_path / "probe-example" / "probe.json").is_file()
