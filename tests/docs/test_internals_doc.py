"""docs/internals.md: every Python example runs and prints what its comments claim."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (REPO / "docs" / "internals.md").read_text(), re.S)


def _claims(code: str) -> list[str]:
    """The lines the example says it prints: comment lines right after a print call."""
    out, after_print = [], False
    for line in code.splitlines():
        if line.strip().startswith("print("):
            after_print = True
            if "  # " in line:
                out.append(line.split("  # ", 1)[1].split(":")[0].strip())
            continue
        if after_print and line.startswith("# "):
            out.append(line[2:].split("   ")[0].split("  ")[0].strip())
            continue
        after_print = False
    return out


def test_the_page_has_the_three_examples() -> None:
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("index", range(3))
def test_example_runs_and_prints_what_it_claims(index: int) -> None:
    code = BLOCKS[index]
    if "import torch" in code:
        pytest.importorskip("torch", reason="the implicit example needs proctor[implicit]")
        pytest.importorskip("transformers", reason="the implicit example needs proctor[implicit]")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/internals.md block {index}", "exec"), {})
    printed = out.getvalue()
    for claim in _claims(code):
        assert claim in printed, (claim, printed)
