"""Tasks for a reward, from a file or from records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path

from proctor.records import Task

TaskSource = Mapping[str, Task] | Iterable[Task] | str | PathLike[str]
"""A task file (HumanEval, HumanEval+/MBPP+ or proctor JSONL), tasks by id, or tasks."""


def load_tasks(source: TaskSource, visible: str = "base", gold: str = "plus") -> dict[str, Task]:
    """Tasks by id. A file is read with `proctor.io.read_tasks` (bad lines raise with
    file, line and field); ``visible``/``gold`` pick the suites of HumanEval+ rows."""
    if isinstance(source, str | PathLike):
        from proctor.io import read_tasks

        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"task file {path} does not exist")
        return {t.id: t for t in read_tasks(path, visible=visible, gold=gold)}
    if isinstance(source, Mapping):
        return dict(source)
    return {t.id: t for t in source}


__all__ = ["TaskSource", "load_tasks"]
