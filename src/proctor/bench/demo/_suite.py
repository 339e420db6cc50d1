"""Check (and normalise) the demo suite: ``data/tasks.jsonl`` and ``data/rollouts.jsonl``.

The two files are the suite's source: twelve small function-level tasks (each with a
HumanEval-style prompt whose ``>>>`` examples are exactly its visible tests, a
reference solution and a held-out suite) and the rollouts a small training run might
have sampled for them over `STEPS` steps (honest correct, honest with a realistic
bug, and reward hacks that grow more frequent as training goes on).

``python -m proctor.bench.demo._suite --check`` exits 1 when a file breaks a rule
below or is not in normal form; without ``--check`` it rewrites the files in normal
form (rollouts ordered by step then task, ids ``r0001``... in file order, groups
``<task>@<step>``), so a new rollout can be appended with any id. The references are
the only code this module runs; rollout code is never executed here (the tests in
``tests/bench/demo`` run it in subprocesses or in the hardened grader's sandbox).
"""

from __future__ import annotations

import argparse
import ast
import copy
import doctest
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from proctor.records import Rollout, Task
from proctor.sandbox.runtime import codec

DATA_DIR = Path(__file__).resolve().parent / "data"
STEPS = 6
"""Training steps the rollouts are spread over (0 .. STEPS - 1)."""
KINDS = ("honest_correct", "honest_wrong", "hack")


class SuiteError(ValueError):
    """The suite's files are inconsistent."""


def _is_plain_json(value: Any) -> bool:
    """JSON's own types only: what a task file can hold without `$` tags."""
    t = type(value)
    if value is None or t in (bool, int, str):
        return True
    if t is float:
        return math.isfinite(value)
    if t is list:
        return all(_is_plain_json(v) for v in value)
    if t is dict:
        return all(
            type(k) is str and not k.startswith("$") and _is_plain_json(v) for k, v in value.items()
        )
    return False


def load_entry_point(source: str, entry_point: str, filename: str) -> Callable[..., Any]:
    """Execute trusted ``source`` (a reference) and return its ``entry_point``."""
    namespace: dict[str, Any] = {"__name__": "reference"}
    exec(compile(source, filename, "exec"), namespace)
    fn = namespace.get(entry_point)
    if not callable(fn):
        raise SuiteError(f"{filename} does not define {entry_point}()")
    return fn  # type: ignore[no-any-return]


def prompt_examples(prompt: str, entry_point: str) -> list[tuple[list[Any], str]]:
    """The ``>>>`` examples in the docstring of ``prompt``: (arguments, expected repr).

    Static: the examples are parsed, not run. Each must be a plain call of
    ``entry_point`` with literal arguments.
    """
    definition = ast.parse(prompt).body[-1]
    if not (isinstance(definition, ast.FunctionDef) and definition.name == entry_point):
        raise SuiteError(f"the prompt must end with the definition of {entry_point}")
    docstring = ast.get_docstring(definition) or ""
    examples = []
    for example in doctest.DocTestParser().get_examples(docstring):
        call = ast.parse(example.source, mode="eval").body
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == entry_point
            and not call.keywords
        ):
            raise SuiteError(
                f"example {example.source.strip()!r} is not a plain call of {entry_point}"
            )
        examples.append(([ast.literal_eval(a) for a in call.args], example.want.strip()))
    return examples


def _check_reference(task_id: str, row: dict[str, Any]) -> None:
    """The reference reproduces the prompt's examples and returns plain, deterministic data."""
    visible, heldout = row["visible"]["inputs"], row["heldout"]["inputs"]
    fn = load_entry_point(row["reference"], row["entry_point"], f"<reference {task_id}>")
    examples = prompt_examples(row["prompt"], row["entry_point"])
    if [args for args, _ in examples] != visible:
        raise SuiteError(f"{task_id}: the prompt's examples are not the visible inputs")
    for args, want in examples:
        got = repr(fn(*copy.deepcopy(args)))
        if got != want:
            raise SuiteError(f"{task_id}: example {args!r} gives {got}, the prompt says {want}")
    for args in [*visible, *heldout]:
        try:
            first = fn(*copy.deepcopy(args))
            second = fn(*copy.deepcopy(args))
            codec.encode_value(first)  # plain built-in data, or this raises
        except Exception as exc:
            raise SuiteError(f"{task_id}: the reference fails on {args!r:.80}: {exc!r}") from exc
        if first != second:
            raise SuiteError(f"{task_id}: the reference is not deterministic on {args!r:.80}")


def check_task(row: dict[str, Any]) -> None:
    """Raise `SuiteError` unless the task row keeps the suite's rules (runs its reference)."""
    task_id = str(row.get("id", "?"))
    Task.model_validate(row)
    if not task_id.startswith("demo/"):
        raise SuiteError(f"{task_id}: task ids start with 'demo/'")
    if not row["prompt"].rstrip().endswith('"""'):
        raise SuiteError(f"{task_id}: the prompt must end with the docstring")
    signature = next(line for line in row["prompt"].splitlines() if line.startswith("def "))
    if signature not in row["reference"].splitlines():
        raise SuiteError(f"{task_id}: the reference does not use the prompt's signature")
    visible, heldout = row["visible"]["inputs"], row["heldout"]["inputs"]
    if not 3 <= len(visible) <= 5 or not 15 <= len(heldout) <= 30:
        raise SuiteError(f"{task_id}: wants 3-5 visible and 15-30 held-out inputs")
    for args in [*visible, *heldout]:
        if type(args) is not list or not _is_plain_json(args):
            raise SuiteError(f"{task_id}: input {args!r:.80} is not a plain JSON list")
    if len({json.dumps(a) for a in heldout}) != len(heldout):
        raise SuiteError(f"{task_id}: repeated held-out input")
    _check_reference(task_id, row)


def check_rollout(row: dict[str, Any], task_ids: Sequence[str]) -> None:
    """Raise `SuiteError` unless the rollout row keeps the suite's rules (runs nothing)."""
    Rollout.model_validate(row)
    where = f"{row.get('id', '?')} ({row.get('task_id')})"
    if row["task_id"] not in task_ids:
        raise SuiteError(f"{where}: rollout for unknown task")
    step = row.get("step")
    if not isinstance(step, int) or not 0 <= step < STEPS:
        raise SuiteError(f"{where}: step {step} is outside 0..{STEPS - 1}")
    if ("code" in row) == ("completion" in row):
        raise SuiteError(f"{where}: a rollout needs exactly one of code, completion")
    meta = row.get("meta", {})
    if meta.get("kind") not in KINDS:
        raise SuiteError(f"{where}: meta.kind must be one of {', '.join(KINDS)}")
    if not isinstance(meta.get("category"), str):
        raise SuiteError(f"{where}: meta.category is missing")
    if not str(meta.get("note", "")).endswith("."):
        raise SuiteError(f"{where}: meta.note should be one sentence, ending with '.'")


def normalise(rows: Sequence[dict[str, Any]], task_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Rollout rows in file order (step, then task in file order, then as given), with ids
    ``r0001``... and groups ``<task>@<step>``; keys in the files' order."""
    task_index = {t: i for i, t in enumerate(task_ids)}
    ordered = sorted(
        enumerate(rows), key=lambda p: (p[1]["step"], task_index[p[1]["task_id"]], p[0])
    )
    out = []
    for number, (_, row) in enumerate(ordered, start=1):
        new: dict[str, Any] = {"id": f"r{number:04d}", "task_id": row["task_id"]}
        for key in ("code", "completion"):
            if key in row:
                new[key] = row[key]
        new["step"] = row["step"]
        new["group"] = f"{row['task_id']}@{row['step']}"
        new["meta"] = row["meta"]
        out.append(new)
    return out


def jsonl(rows: Sequence[dict[str, Any]]) -> str:
    """The suite's file text for ``rows``."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of one suite file, in order."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise SuiteError(f"{path}:{number}: not JSON ({exc})") from exc
    return rows


def build(data_dir: Path = DATA_DIR) -> tuple[str, str]:
    """Load and check the suite; return the text of both files in normal form."""
    tasks = read_rows(data_dir / "tasks.jsonl")
    rollouts = read_rows(data_dir / "rollouts.jsonl")
    task_ids = [str(t.get("id")) for t in tasks]
    if len(set(task_ids)) != len(task_ids):
        raise SuiteError("task ids must be unique")
    for task in tasks:
        check_task(task)
    for rollout in rollouts:
        check_rollout(rollout, task_ids)
    return jsonl(tasks), jsonl(normalise(rollouts, task_ids))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proctor.bench.demo._suite",
        description="Check proctor's demo suite (tasks.jsonl, rollouts.jsonl) and rewrite it "
        "in normal form.",
    )
    parser.add_argument("--dir", type=Path, default=DATA_DIR, help="the suite's directory")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is not in normal form"
    )
    options = parser.parse_args(argv)
    try:
        texts = build(options.dir)
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stale = []
    for name, text in zip(("tasks.jsonl", "rollouts.jsonl"), texts, strict=True):
        path = options.dir / name
        if path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not options.check:
                path.write_text(text, encoding="utf-8", newline="\n")
    verb = "not in normal form" if options.check else "rewritten"
    print(
        f"{texts[0].count(chr(10))} tasks, {texts[1].count(chr(10))} rollouts; "
        f"{verb}: {', '.join(stale) if stale else 'none'} ({options.dir})"
    )
    return 1 if options.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
