"""The trainer docs' code blocks, as the trainer tests run them (the docs are the test code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "trainers"


def block(doc: str, first_line: str, lang: str = "python") -> str:
    """The ```lang block of docs/trainers/DOC whose first line is ``first_line``."""
    text = (DOCS / doc).read_text()
    for found in re.finditer(rf"```{lang}\n(.*?)```", text, re.DOTALL):
        if found.group(1).startswith(first_line + "\n"):
            return found.group(1)
    raise AssertionError(f"docs/trainers/{doc} has no ```{lang} block starting {first_line!r}")


def need(module: str, trainer: str) -> None:
    """Skip, saying how to run it, when the trainer is not importable here."""
    try:
        __import__(module)
    except Exception as exc:  # ImportError, or a broken install raising anything
        pytest.skip(
            f"{trainer} is not importable here ({type(exc).__name__}: {exc}); "
            "run `bash scripts/test-trainers.sh` (builds .venv-trainers with the "
            "tested versions, docs/trainers/README.md)"
        )
