"""Reading RewardMATH score files (Kim et al., 2024; MIT licence).

Each ``scores/<scorer>_reward.json`` lists problems; a problem has ``problem`` (text),
``solution_reference`` (the generator of each of its 10 solutions; index 0 is the one
correct solution, ``human_to_GPT-4``) and ``score``: one number per solution
(pointwise scorers), a list of step scores per solution (process reward models), or,
for ``*_pairwise`` judges, the position ('A'/'B') the judge preferred in each of the 9
comparisons of the correct solution with an incorrect one, beside ``chosen_position``
(where the correct one stood). This module is the one reader of those files: the
mitigation benchmark and the audit card both use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audit._prm import aggregate as aggregate_steps
from proctor.audit._table import Floats, ScoreTable

SOLUTIONS = 10
CORRECT = "human_to_GPT-4"


@dataclass
class RewardMathFile:
    """One scorer's file, problems in file order, a repeated problem kept once (first copy)."""

    name: str
    kind: str
    """``pointwise``, ``prm`` or ``pairwise``."""
    problems: list[str]
    generators: list[list[str]]
    scores: list[list[Any]]
    chosen: list[list[Any]] | None
    repeated: int
    """Problems the file lists more than once (dropped after the first copy)."""


def default_dir() -> Path:
    """``../shared/data/rewardmath`` next to the repository checkout."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "rewardmath"


def scorer_files(root: Path) -> list[Path]:
    """The ``*_reward.json`` files under ``root/scores`` (or ``root`` itself), sorted."""
    folder = root / "scores" if (root / "scores").is_dir() else root
    return sorted(folder.glob("*_reward.json"))


def read_rewardmath_file(path: Path) -> RewardMathFile:
    """Parse and check one score file; errors name the file and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of problems")
    name = path.name.removesuffix(".json").removesuffix("_reward")
    pairwise = name.endswith("_pairwise")
    width = SOLUTIONS - 1 if pairwise else SOLUTIONS
    seen: set[str] = set()
    out = RewardMathFile(
        name, "pairwise" if pairwise else "pointwise", [], [], [], [] if pairwise else None, 0
    )
    for n, item in enumerate(data):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: problem {n}: expected an object")
        score = item.get("score")
        if not isinstance(score, list) or len(score) != width:
            raise ValueError(f"{path}: problem {n}: 'score' must list {width} entries")
        refs = item.get("solution_reference")
        if not isinstance(refs, list) or len(refs) != width:
            raise ValueError(
                f"{path}: problem {n}: 'solution_reference' must list {width} generators"
            )
        if pairwise:  # the nine incorrect solutions' generators; the correct one is implied
            refs = [CORRECT, *refs]
        text = str(item.get("problem"))
        if text in seen:
            out.repeated += 1
            continue
        seen.add(text)
        if pairwise:
            chosen = item.get("chosen_position")
            if not isinstance(chosen, list) or len(chosen) != width:
                raise ValueError(f"{path}: problem {n}: 'chosen_position' must list {width}")
            assert out.chosen is not None
            out.chosen.append(chosen)
        elif any(isinstance(s, list) for s in score):
            out.kind = "prm"
        out.problems.append(text)
        out.generators.append([str(g) for g in refs])
        out.scores.append(score)
    return out


def pad_steps(steps: list[list[float]]) -> Floats:
    """Rows of unequal length as a NaN-padded matrix."""
    width = max((len(s) for s in steps), default=1) or 1
    out = np.full((len(steps), width), np.nan)
    for i, s in enumerate(steps):
        out[i, : len(s)] = s
    return out


def _number(x: Any) -> float:
    return float("nan") if x is None else float(x)


def step_lists(file: RewardMathFile) -> list[list[list[float]]]:
    """A PRM file's step scores, per problem per solution (an empty list kept as [NaN])."""
    return [[[_number(x) for x in s] if s else [float("nan")] for s in row] for row in file.scores]


def rewardmath_table(
    file: RewardMathFile, aggregate: str = "min", step_counts: dict[str, list[int]] | None = None
) -> ScoreTable:
    """A `ScoreTable` of one file; ``step_counts`` (problem text -> steps per solution,
    from any step-split file) gives the step-count probe to scorers without steps."""
    problems = len(file.problems)
    groups = np.repeat(np.arange(problems, dtype=np.int64), SOLUTIONS)
    gold = np.tile(np.r_[1.0, np.zeros(SOLUTIONS - 1)], problems)
    generator = np.array([g for row in file.generators for g in row], dtype=np.str_)
    notes = []
    if file.repeated:
        notes.append(f"{file.repeated} repeated problem(s) in the file: the first copy counts")
    steps_out: list[Floats] | None = None
    wins = None
    if file.kind == "prm":
        per = step_lists(file)
        steps_out = [np.asarray(s, dtype=np.float64) for row in per for s in row]
        score = aggregate_steps(steps_out, aggregate)
    elif file.kind == "pairwise":
        assert file.chosen is not None
        wins = np.array(
            [
                [a is not None and a == c for a, c in zip(s, ch, strict=True)]
                for s, ch in zip(file.scores, file.chosen, strict=True)
            ],
            dtype=bool,
        )
        # a pairwise judge ranks no single solution; the correct one's score is its number of
        # wins and each incorrect one scores 1 if it lost, 9 + 2 if it won (RewardMATH's own
        # conversion), so accuracy and MRR follow the paper
        score = np.empty(problems * SOLUTIONS)
        for p in range(problems):
            score[p * SOLUTIONS] = wins[p].sum() + 1
            score[p * SOLUTIONS + 1 : (p + 1) * SOLUTIONS] = np.where(wins[p], 1, SOLUTIONS + 1)
        notes.append(
            "pairwise judge: scores are RewardMATH's win-count conversion; best-of-n "
            "and bias probes read them as a ranking"
        )
    else:
        score = np.array([_number(x) for row in file.scores for x in row])
    numeric: dict[str, Floats] = {}
    if steps_out is not None:
        numeric["steps"] = np.array([float(np.sum(~np.isnan(s))) for s in steps_out])
    elif step_counts:
        counts = [step_counts.get(p) for p in file.problems]
        numeric["steps"] = np.array(
            [float(c[i]) if c is not None else np.nan for c in counts for i in range(SOLUTIONS)]
        )
    return ScoreTable(
        scorer=file.name,
        source="rewardmath",
        kind=file.kind,  # type: ignore[arg-type]
        groups=groups,
        score=score,
        gold=gold,
        steps=steps_out,
        numeric=numeric,
        categorical={"generator": generator},
        aggregate=aggregate if steps_out else None,
        pairwise_wins=wins,
        notes=notes,
        problem_keys=list(file.problems),
    )


def step_counts_of(file: RewardMathFile) -> dict[str, list[int]]:
    """Problem text -> number of steps of each solution, from a PRM file."""
    return {p: [len(s) for s in row] for p, row in zip(file.problems, file.scores, strict=True)}


def rewardmath_tables(
    root: Path, aggregate: str = "min", names: list[str] | None = None
) -> list[ScoreTable]:
    """Tables for every scorer file under ``root`` (or only ``names``); step counts come
    from the first PRM file found, so every scorer gets the step-count probe."""
    files = [read_rewardmath_file(p) for p in scorer_files(root)]
    if not files:
        raise FileNotFoundError(f"no *_reward.json score files under {root}")
    counts = next((step_counts_of(f) for f in files if f.kind == "prm"), None)
    chosen = [f for f in files if names is None or f.name in names]
    if names is not None and len(chosen) != len(set(names)):
        known = ", ".join(f.name for f in files)
        missing = sorted(set(names) - {f.name for f in chosen})
        raise ValueError(f"unknown RewardMATH scorer(s) {', '.join(missing)}; known: {known}")
    return [rewardmath_table(f, aggregate, counts) for f in chosen]


__all__ = [
    "CORRECT",
    "SOLUTIONS",
    "RewardMathFile",
    "default_dir",
    "pad_steps",
    "read_rewardmath_file",
    "rewardmath_table",
    "rewardmath_tables",
    "scorer_files",
    "step_counts_of",
    "step_lists",
]
