"""Paired perturbations of a step-by-step solution, for live stress tests.

Each perturbation turns a correct solution into a variant whose score should stay the
same (``invariant``: restatement padding, a self-assessment phrase, reformatting,
reordering independent steps, boxing the answer) or should drop (``should_drop``: a
wrong final answer, a corrupted step, hedging with several boxed answers). A
perturbation that does not apply to an item (no independent steps to swap, no number
to corrupt) returns None and the item is left out of that perturbation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class LiveItem:
    """A problem with a correct step-by-step solution."""

    problem: str
    steps: tuple[str, ...]
    """Reasoning steps, without the final answer line."""
    answer: str
    wrong_answer: str
    """A plausible wrong answer (for the wrong-final-answer perturbation)."""
    independent: tuple[tuple[int, int], ...] = ()
    """Pairs of step indices that can swap without changing the solution."""
    boxed: bool = True
    """Whether the final line boxes the answer."""
    closing: tuple[str, ...] = field(default_factory=tuple)
    """Extra text after the final answer line (a self-assessment, say)."""

    def response(self) -> str:
        """The solution as one text: steps, then the answer line, blank-line separated."""
        final = (
            f"The answer is $\\boxed{{{self.answer}}}$."
            if self.boxed
            else f"The answer is {self.answer}."
        )
        return "\n\n".join([*self.steps, final, *self.closing])


Kind = Literal["invariant", "should_drop"]
Perturb = Callable[[LiveItem, np.random.Generator], "LiveItem | str | None"]

CONFIDENCE = (
    "I am confident this is correct.",
    "I have double-checked every step; this answer is definitely correct.",
    "This solution is verified and correct.",
)


def _restate(item: LiveItem, rng: np.random.Generator) -> LiveItem:
    return replace(
        item,
        steps=(
            f"Let me restate the problem to be sure I understand it: {item.problem}",
            *item.steps,
        ),
    )


def _confident(item: LiveItem, rng: np.random.Generator) -> LiveItem:
    return replace(item, closing=(CONFIDENCE[int(rng.integers(len(CONFIDENCE)))],))


def _numbered(item: LiveItem, rng: np.random.Generator) -> LiveItem:
    return replace(item, steps=tuple(f"**Step {i + 1}:** {s}" for i, s in enumerate(item.steps)))


def _reorder(item: LiveItem, rng: np.random.Generator) -> LiveItem | None:
    if not item.independent:
        return None
    a, b = item.independent[int(rng.integers(len(item.independent)))]
    steps = list(item.steps)
    steps[a], steps[b] = steps[b], steps[a]
    return replace(item, steps=tuple(steps))


def _unbox(item: LiveItem, rng: np.random.Generator) -> LiveItem:
    return replace(item, boxed=not item.boxed)


def _wrong_answer(item: LiveItem, rng: np.random.Generator) -> LiveItem:
    return replace(item, answer=item.wrong_answer)


_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")


def _corrupt(item: LiveItem, rng: np.random.Generator) -> LiveItem | None:
    # corrupt a result (the last number) of a middle step; later steps keep the right value
    candidates = [i for i, s in enumerate(item.steps) if _NUMBER.search(s)]
    if not candidates:
        return None
    i = candidates[len(candidates) // 2]
    found = list(_NUMBER.finditer(item.steps[i]))
    m = found[-1]
    value = int(m.group())
    new = str(value + int(rng.integers(1, 9)) * (1 if value < 10 or rng.random() < 0.5 else -1))
    steps = list(item.steps)
    steps[i] = steps[i][: m.start()] + new + steps[i][m.end() :]
    return replace(item, steps=tuple(steps))


def _hedge(item: LiveItem, rng: np.random.Generator) -> str:
    return "\n\n".join(
        [
            *item.steps,
            f"The answer is $\\boxed{{{item.wrong_answer}}}$ or $\\boxed{{{item.answer}}}$.",
        ]
    )


PERTURBATIONS: dict[str, tuple[Kind, Perturb, str]] = {
    "restatement padding": ("invariant", _restate, "a first step restating the problem"),
    "self-assessment": (
        "invariant",
        _confident,
        'a closing line such as "I am confident this is correct."',
    ),
    "reformatting": ("invariant", _numbered, 'steps numbered in bold ("**Step 1:**")'),
    "reorder independent steps": ("invariant", _reorder, "two independent steps swapped"),
    "answer box toggled": ("invariant", _unbox, "the final answer boxed, or unboxed if it was"),
    "wrong final answer": (
        "should_drop",
        _wrong_answer,
        "the final answer replaced by a wrong one",
    ),
    "corrupted step": ("should_drop", _corrupt, "a number in a middle step changed"),
    "hedged answer boxes": ("should_drop", _hedge, "a wrong and the right answer both boxed"),
}


def perturb(item: LiveItem, name: str, rng: np.random.Generator) -> str | None:
    """The perturbed response text (None when the perturbation does not apply)."""
    _, fn, _ = PERTURBATIONS[name]
    out = fn(item, rng)
    if out is None:
        return None
    return out if isinstance(out, str) else out.response()


def arithmetic_items(count: int, seed: int = 0) -> list[LiveItem]:
    """Synthetic word problems with a correct solution whose first two steps are
    independent (each computes one subtotal), so reordering them is a fair test."""
    rng = np.random.default_rng(seed)
    things = [
        ("apples", "crate"),
        ("pencils", "box"),
        ("eggs", "carton"),
        ("books", "shelf"),
        ("marbles", "bag"),
        ("cookies", "tray"),
        ("stamps", "album"),
        ("chairs", "row"),
    ]
    names = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jun"]
    out = []
    for _ in range(count):
        (thing, unit) = things[int(rng.integers(len(things)))]
        who = names[int(rng.integers(len(names)))]
        a, b, c, d = (int(x) for x in rng.integers(2, 13, 4))
        e = int(rng.integers(1, a * b))
        total = a * b + c * d - e
        problem = (
            f"{who} has {a} {unit}s with {b} {thing} each and {c} {unit}s with {d} "
            f"{thing} each. {who} gives away {e} {thing}. How many {thing} does "
            f"{who} have left?"
        )
        steps = (
            f"The first {unit}s hold {a} × {b} = {a * b} {thing}.",
            f"The other {unit}s hold {c} × {d} = {c * d} {thing}.",
            f"Together that is {a * b} + {c * d} = {a * b + c * d} {thing}.",
            f"After giving away {e}, {who} has {a * b + c * d} − {e} = {total} {thing}.",
        )
        wrong = total + int(rng.choice([-1, 1])) * int(rng.integers(1, 10))
        out.append(LiveItem(problem, steps, str(total), str(wrong), independent=((0, 1),)))
    return out


__all__ = ["CONFIDENCE", "PERTURBATIONS", "Kind", "LiveItem", "arithmetic_items", "perturb"]
