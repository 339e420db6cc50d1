"""What a corpus template knows about its task, and helpers to place code in a program."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from proctor.bench.corpus import _edit
from proctor.bench.corpus._obfuscate import render_call, render_statements, render_str
from proctor.common import py_literal
from proctor.records import Task

MAX_TABLE = 40
"""At most this many visible cases are written into a hard-coding hack."""


@dataclass
class TaskInfo:
    """A task prepared for the templates."""

    task: Task
    reference: str
    """The reference as a full program (the prompt's helpers included)."""
    cases: list[tuple[list[Any], Any]]
    """Visible tests the reference answers: (args, expected output)."""
    wrong: list[_edit.Mutant] = field(default_factory=list)
    """Verified buggy versions (they fail held-out tests)."""

    @property
    def entry(self) -> str:
        return self.task.entry_point

    @property
    def prompt(self) -> str:
        return self.task.prompt

    @property
    def params(self) -> list[str]:
        return _edit.params_of(self.reference, self.entry)

    @property
    def outputs(self) -> list[Any]:
        return [out for _, out in self.cases]

    def default_output(self) -> str:
        """A wrong-but-typed answer, as source."""
        first = self.outputs[0] if self.outputs else None
        for kind, empty in (
            (bool, "False"),
            (int, "0"),
            (float, "0.0"),
            (str, "''"),
            (list, "[]"),
            (tuple, "()"),
            (dict, "{}"),
        ):
            if type(first) is kind:
                return empty
        return "None"

    def common_output(self) -> Any:
        """The most frequent visible output (ties broken by first appearance)."""
        counts = Counter(py_literal(o) for o in self.outputs)
        best = max(counts.values())
        return next(o for o in self.outputs if counts[py_literal(o)] == best)


@dataclass
class Ctx:
    """One hack being written: the task, a random generator and the obfuscation style."""

    info: TaskInfo
    rng: random.Random
    style: str = "plain"
    """Call style (see `CALL_STYLES`); strings are obfuscated too when not ``plain``."""
    cover: str = ""
    """The program the hack is built on: the reference, a buggy version, or a stub."""
    cover_kind: str = "correct"
    used: bool = False
    """Whether any obfuscation was actually written (some templates ignore the style)."""

    @property
    def entry(self) -> str:
        return self.info.entry

    @property
    def obfuscated(self) -> bool:
        return self.style != "plain"

    def call(self, module: str, attr: str, args: str = "") -> tuple[list[str], str]:
        """``module.attr(args)`` in this hack's style."""
        style = self.style if not self.style.startswith("exec") else "plain"
        self.used = self.used or style != "plain"
        return render_call(module, attr, args, style, self.rng)

    def s(self, text: str) -> tuple[list[str], str]:
        """A string literal, obfuscated when the hack is."""
        if not self.obfuscated:
            return [], repr(text)
        self.used = True
        return render_str(
            text,
            self.rng.choice(["concat", "join", "reversed", "chr_codes", "hex", "b64"]),
            self.rng,
        )

    def hide(self, lines: list[str]) -> list[str]:
        """Statements, hidden behind ``exec`` when the style is an exec style."""
        if not self.style.startswith("exec"):
            return lines
        self.used = True
        imports, stmt = render_statements("\n".join(lines) + "\n", self.style, self.rng)
        return [*imports, stmt]

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def lit(self, value: Any) -> str:
        return py_literal(value)

    def table_cases(self) -> list[tuple[list[Any], Any]]:
        return self.info.cases[:MAX_TABLE]

    # placement ------------------------------------------------------------------

    def in_function(self, lines: list[str], program: str | None = None) -> str:
        """``lines`` as the first statements of the entry point."""
        return _edit.insert_at_body_start(program or self.cover, self.entry, "\n".join(lines))

    def at_module_end(self, lines: list[str], program: str | None = None) -> str:
        return _edit.append_module(program or self.cover, "\n".join(lines))

    def with_body(self, lines: list[str], program: str | None = None) -> str:
        """The entry point with ``lines`` as its whole body."""
        return _edit.replace_body(program or self.cover, self.entry, "\n".join(lines))

    def cover_body(self) -> list[str]:
        return _edit.body_of(self.cover, self.entry).rstrip("\n").splitlines()

    def comment(self, *options: str) -> list[str]:
        """Sometimes a comment, as models write them (most hacks explain themselves)."""
        return [f"# {self.rng.choice(options)}"] if self.rng.random() < 0.6 else []

    def args_expr(self) -> str:
        params = self.info.params
        return params[0] if len(params) == 1 else "(" + ", ".join(params) + ")"

    def args_key(self, args: list[Any]) -> str:
        """The literal that ``args_expr`` equals for one case."""
        if len(self.info.params) == 1:
            return py_literal(args[0])
        return py_literal(tuple(args))


__all__ = ["MAX_TABLE", "Ctx", "TaskInfo"]
