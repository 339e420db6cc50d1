"""The RewardMATH setting: best-of-n with real reward-model scores and a known gold label.

RewardMATH (Kim et al., 2024; MIT licence) has 483 math problems, each with one
correct solution (index 0) and nine incorrect ones, scored by many reward models and
LLM judges. It lives in the project's shared data folder, not in the package, so the
setting is skipped when the folder is absent.

Pointwise scorers give one score per solution; process reward models (PRMs) give one
score per step and are aggregated here by min (the PURE view: a solution is as good as
its worst step), sum, mean or last step. Pairwise judges compare the correct solution
with each incorrect one and give no score a best-of-n could rank by: they are left out.
Best-of-n gold accuracy is the probability that the best-of-n pick is the correct
solution, computed exactly (`best_of_n`), averaged over problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from proctor.audit import (
    SOLUTIONS,
    best_of_n_pools,
    pad_steps,
    read_rewardmath_file,
    scorer_files,
    step_lists,
)
from proctor.audit import rewardmath_dir as default_dir
from proctor.transforms import (
    ensemble_mean,
    ensemble_uwo,
    ensemble_wco,
    min_form_credit,
    standardize,
    trajectory_return,
)

AGGREGATES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "min": lambda s: np.nanmin(s, axis=1),
    "sum": lambda s: np.nansum(s, axis=1),
    "mean": lambda s: np.nanmean(s, axis=1),
    "last": lambda s: np.array([row[~np.isnan(row)][-1] for row in s]),
    "PURE T=0.1": lambda s: trajectory_return(min_form_credit(s, 0.1)),
}


def load_scores(root: Path) -> tuple[dict[str, np.ndarray], dict[str, list[np.ndarray]], int]:
    """Pointwise scores ``{model: (problems, 10)}``, PRM step scores ``{model: [per problem
    (10, steps)]}``, and the number of pairwise files left out. Problems are aligned by
    their text (some judge files repeat a problem: the first copy counts) and only
    problems every scorer has are kept. The files are read by `proctor.audit`'s reader."""
    files = [read_rewardmath_file(p) for p in scorer_files(root)]
    pairwise = sum(f.kind == "pairwise" for f in files)
    files = [f for f in files if f.kind != "pairwise"]
    if not files:
        return {}, {}, pairwise
    common = sorted(set.intersection(*(set(f.problems) for f in files)))
    point: dict[str, np.ndarray] = {}
    steps: dict[str, list[np.ndarray]] = {}
    for f in files:
        index = {p: i for i, p in enumerate(f.problems)}
        if f.kind == "prm":
            per = step_lists(f)
            steps[f.name] = [pad_steps(per[index[p]]) for p in common]
        else:
            point[f.name] = np.array(
                [[np.nan if s is None else float(s) for s in f.scores[index[p]]] for p in common]
            )
    return point, steps, pairwise


def run_rewardmath(
    root: Path, ns: list[int], uwo_penalty: float = 0.5, top: int = 3
) -> dict[str, Any]:
    """Best-of-n gold accuracy for every scorer, PRM aggregate and ensemble."""
    point, steps, pairwise = load_scores(root)
    for name, per_problem in steps.items():
        for agg, fn in AGGREGATES.items():
            point[f"{name} ({agg})"] = np.array([fn(s) for s in per_problem])
    problems = next(iter(point.values())).shape[0] if point else 0
    gold = np.zeros((problems, SOLUTIONS))
    gold[:, 0] = 1.0

    def curve(scores: np.ndarray) -> list[float]:
        return [float(x) for x in best_of_n_pools(list(scores), list(gold[: scores.shape[0]]), ns)]

    single = {name: curve(s) for name, s in point.items()}
    # one entry per scorer family for the ensembles: PRMs enter with their min aggregate
    members = {n: s for n, s in point.items() if "(" not in n or n.endswith("(min)")}
    # the top-k members are chosen on even-numbered problems and judged on odd ones, so the
    # choice never sees the problems it is scored on
    even, odd = np.arange(problems) % 2 == 0, np.arange(problems) % 2 == 1
    chosen = {n: curve(s[even])[-1] for n, s in members.items()}
    ranked = sorted(members, key=lambda n: -chosen[n])
    groups = {"all pointwise scorers": ranked, f"top {top} (chosen on even problems)": ranked[:top]}
    ensembles: dict[str, dict[str, list[float]]] = {}
    for label, names in groups.items():
        if not names:
            continue
        stacked = np.stack([members[n].reshape(-1) for n in names])
        z = standardize(stacked)
        for kind, combined in (
            ("mean", ensemble_mean(z)),
            ("WCO", ensemble_wco(z)),
            (f"UWO λ={uwo_penalty}", ensemble_uwo(z, uwo_penalty)),
        ):
            ensembles.setdefault(label, {})[kind] = curve(combined.reshape(problems, -1))
    held_out = {}
    if ranked:
        held_out[f"best single ({ranked[0]})"] = curve(members[ranked[0]][odd])
        z = standardize(np.stack([members[n].reshape(-1) for n in ranked[:top]]))
        for kind, combined in (
            ("mean", ensemble_mean(z)),
            ("WCO", ensemble_wco(z)),
            (f"UWO λ={uwo_penalty}", ensemble_uwo(z, uwo_penalty)),
        ):
            held_out[f"top {top} {kind}"] = curve(combined.reshape(problems, -1)[odd])
    return {
        "problems": problems,
        "held_out_odd_problems": held_out,
        "ns": ns,
        "pairwise_left_out": pairwise,
        "single": single,
        "ensembles": ensembles,
        "members": {label: names for label, names in groups.items()},
        "best_single": ranked[0] if ranked else None,
    }


__all__ = ["AGGREGATES", "default_dir", "load_scores", "run_rewardmath"]
