"""Small synthetic score tables and files for the audit tests (no shared data needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from proctor.audit import ScoreTable

SHARED = Path(
    os.environ.get(
        "PROCTOR_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"
    )
)


def one_correct_table(
    problems: int = 60,
    quality: float = 2.0,
    length_bias: float = 0.0,
    seed: int = 0,
    scorer: str = "synthetic",
) -> ScoreTable:
    """Problems of 10 candidates (index 0 correct); score = quality·gold + length_bias·z(len)
    + noise, so ``length_bias`` plants a length preference among equally wrong ones."""
    rng = np.random.default_rng(seed)
    n = problems * 10
    gold = np.tile(np.r_[1.0, np.zeros(9)], problems)
    length = rng.integers(100, 1000, n).astype(float)
    z = (length - length.mean()) / length.std()
    score = quality * gold + length_bias * z + rng.normal(0, 1, n)
    return ScoreTable(
        scorer=scorer,
        source="synthetic",
        kind="pointwise",
        groups=np.repeat(np.arange(problems), 10),
        score=score,
        gold=gold,
        numeric={"length": length},
        problem_keys=[f"p{i}" for i in range(problems)],
    )


def prm_table(trajectories: int = 300, seed: int = 0, power: float = 3.0) -> ScoreTable:
    """Step-labelled trajectories; a step's true P(still right) is squashed by ``power``
    into a miscalibrated raw score, so calibration has something to fix."""
    rng = np.random.default_rng(seed)
    steps, labels, gold = [], [], []
    for _ in range(trajectories):
        k = int(rng.integers(3, 8))
        label = int(rng.integers(0, k)) if rng.random() < 0.5 else -1
        clean = np.where(
            (label < 0) | (np.arange(k) < label), rng.uniform(0.6, 1.0, k), rng.uniform(0.0, 0.5, k)
        )
        steps.append(np.clip(clean, 0, 1) ** power)
        labels.append(label)
        gold.append(1.0 if label < 0 else float(rng.random() < 0.2))
    split = np.array(["a", "b"] * (trajectories // 2) + ["a"] * (trajectories % 2))
    groups = np.arange(trajectories) // 2
    return ScoreTable(
        scorer="synthetic-prm",
        source="synthetic",
        kind="prm",
        groups=groups,
        score=np.array([s.min() for s in steps]),
        gold=np.array(gold),
        steps=steps,
        first_error=np.array(labels),
        numeric={"steps": np.array([float(len(s)) for s in steps])},
        categorical={"split": split},
        aggregate="min",
    )


def write_rewardmath(folder: Path, problems: int = 20, seed: int = 0) -> Path:
    """A scores/ folder with a pointwise, a PRM and a pairwise file in RewardMATH's shape."""
    rng = np.random.default_rng(seed)
    scores = folder / "scores"
    scores.mkdir(parents=True)
    gens = ["human_to_GPT-4"] + [f"gen{i % 3}" for i in range(9)]
    point, prm, pair = [], [], []
    for p in range(problems):
        text = f"What is {p} + {p}?"
        good = rng.normal(0, 1, 10) + np.r_[2.0, np.zeros(9)]
        point.append(
            {"problem": text, "solution_reference": gens, "score": [float(x) for x in good]}
        )
        prm.append(
            {
                "problem": text,
                "solution_reference": gens,
                "score": [
                    [float(x) for x in rng.uniform(0.5 if i == 0 else 0.0, 1, 3 + i % 4)]
                    for i in range(10)
                ],
            }
        )
        pair.append(
            {
                "problem": text,
                "solution_reference": gens[1:],
                "score": ["A"] * 9,
                "chosen_position": ["A"] * 8 + ["B"],
            }
        )
    point.append(point[0])  # a repeated problem, as some judge files have
    for name, data in (("pointy", point), ("steppy", prm), ("judge_pairwise", pair)):
        (scores / f"{name}_reward.json").write_text(json.dumps(data))
    return folder


def write_processbench(path: Path, rows: int = 40, seed: int = 0) -> Path:
    """A ProcessBench-style JSON-lines file with one PRM column."""
    rng = np.random.default_rng(seed)
    with path.open("w") as fh:
        for i in range(rows):
            k = int(rng.integers(2, 6))
            label = int(rng.integers(0, k)) if i % 2 else -1
            scores = [0.9 if label < 0 or j < label else 0.2 for j in range(k)]
            fh.write(
                json.dumps(
                    {
                        "problem": f"problem {i // 2}",
                        "steps": [f"step {j} $x$" for j in range(k)],
                        "label": label,
                        "final_answer_correct": label < 0,
                        "generator": f"g{i % 3}",
                        "split": "s" if i % 4 < 2 else "t",
                        "per_step_len": [5] * k,
                        "toy-prm": [float(s) for s in scores],
                        "noisy-prm": [float(x) for x in rng.uniform(0, 1, k)],
                    }
                )
                + "\n"
            )
    return path
