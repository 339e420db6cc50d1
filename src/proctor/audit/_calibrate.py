"""Calibrated prefix values: step scores -> P(no wrong step so far), cross-fitted by problem.

Every step ``k`` of a trajectory is one example: its features come from the PRM's
scores up to and including step ``k`` (so the value is causal: usable while the
trajectory is generated), its target is 1 when none of steps 0..k is wrong (the
first-error label is -1 or above k). Three calibrators:

- ``isotonic``: a monotone map of the step score alone (scikit-learn);
- ``platt``: logistic regression on the step score's logit (temperature and bias);
- ``platt+prefix``: logistic regression on the step score's logit, the running
  minimum's logit and log(1+k), so a dip earlier in the trajectory still counts;
- ``isotonic by split``: one isotonic map per ``split`` (dataset or domain, known
  when a trajectory is scored), so one probability threshold means the same risk in
  every domain where one raw threshold does not.

Folds are `GroupKFold` by problem: no problem's trajectories are both fitted and
scored. First-error detection flags the first step whose value drops below a
threshold chosen on the training folds alone (maximising ProcessBench F1 there); the
raw scores get the same treatment (``raw tuned``) beside ProcessBench's fixed 0.5.
Isotonic and plain Platt are monotone in the step score, so their detection can only
differ from ``raw tuned`` through the threshold grid; ``platt+prefix`` is the one that
can rank steps differently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from proctor.audit._prm import first_below, first_error_scores
from proctor.audit._stats import ece
from proctor.audit._table import Floats, ScoreTable

METHODS = ("isotonic", "platt", "platt+prefix", "isotonic by split")
_EPS = 1e-4


def _logit(p: Floats) -> Floats:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


def prefix_examples(
    steps: list[Floats], first_error: NDArray[np.int64]
) -> tuple[Floats, Floats, NDArray[np.int64], NDArray[np.int64]]:
    """Features ``(rows, 3)`` [score, running min, k], targets, trajectory index, step k."""
    feats, target, owner, position = [], [], [], []
    for i, s in enumerate(steps):
        s = np.nan_to_num(s, nan=0.5)
        k = np.arange(s.size)
        feats.append(np.column_stack([s, np.minimum.accumulate(s), k]))
        label = first_error[i]
        target.append(((label < 0) | (k < label)).astype(np.float64))
        owner.append(np.full(s.size, i))
        position.append(k)
    return (
        np.vstack(feats),
        np.concatenate(target),
        np.concatenate(owner),
        np.concatenate(position),
    )


def _design(x: Floats, method: str) -> Floats:
    if method == "platt":
        return _logit(x[:, :1])
    return np.column_stack([_logit(x[:, 0]), _logit(x[:, 1]), np.log1p(x[:, 2])])


def _fit_predict(
    method: str,
    x_train: Floats,
    y_train: Floats,
    x_test: Floats,
    domain_train: NDArray[np.int64] | None = None,
    domain_test: NDArray[np.int64] | None = None,
) -> Floats:
    if method == "isotonic by split":
        assert domain_train is not None and domain_test is not None
        out = _fit_predict("isotonic", x_train, y_train, x_test)  # unseen domains: pooled
        for d in np.unique(domain_test):
            train, test = domain_train == d, domain_test == d
            if train.sum() > 20:
                out[test] = _fit_predict("isotonic", x_train[train], y_train[train], x_test[test])
        return out
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped,import-not-found,unused-ignore]

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        iso.fit(x_train[:, 0], y_train)
        return np.asarray(iso.predict(x_test[:, 0]), dtype=np.float64)
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped,import-not-found,unused-ignore]

    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(_design(x_train, method), y_train)
    return np.asarray(model.predict_proba(_design(x_test, method))[:, 1], dtype=np.float64)


def _split_by_owner(
    values: Floats, owner: NDArray[np.int64], trajectories: NDArray[np.int64]
) -> list[Floats]:
    order = np.argsort(owner, kind="stable")
    sorted_owner = owner[order]
    out = []
    for t in trajectories:
        lo, hi = np.searchsorted(sorted_owner, [t, t + 1])
        out.append(values[order[lo:hi]])
    return out


def _best_threshold(values: list[Floats], label: NDArray[np.int64]) -> float:
    pooled = np.concatenate(values)
    grid = np.unique(np.quantile(pooled, np.linspace(0.005, 0.995, 120)))
    best, best_f1 = 0.5, -1.0
    for t in grid:
        f1 = first_error_scores(first_below(values, float(t)), label)["f1"]
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def calibrate_prefixes(table: ScoreTable, folds: int = 5, seed: int = 0) -> dict[str, Any]:
    """Cross-fitted calibration of ``table``'s step scores; ECE and first-error F1 of raw
    and calibrated values on held-out problems (every trajectory is held out once)."""
    if table.steps is None or table.first_error is None:
        raise ValueError(f"{table.scorer}: calibration needs step scores and first-error labels")
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped,import-not-found,unused-ignore]

    x, y, owner, _ = prefix_examples(table.steps, table.first_error)
    label = table.first_error
    split = table.categorical.get("split")
    domain = (
        np.unique(split, return_inverse=True)[1][owner]
        if split is not None
        else np.zeros(owner.size, dtype=np.int64)
    )
    methods = METHODS if split is not None else METHODS[:-1]
    n = len(table.steps)
    held: dict[str, Floats] = {m: np.full(y.shape, np.nan) for m in METHODS}
    pred: dict[str, NDArray[np.int64]] = {
        k: np.full(n, -2, dtype=np.int64) for k in ("raw 0.5", "raw tuned", *METHODS)
    }
    thresholds: dict[str, list[float]] = {k: [] for k in ("raw tuned", *METHODS)}
    rng = np.random.default_rng(seed)
    # GroupKFold is deterministic in group order; shuffling problem ids makes folds random
    problem = rng.permutation(table.problems)[table.groups]
    splitter = GroupKFold(n_splits=folds)
    every = np.arange(n)
    for train_t, test_t in splitter.split(every, groups=problem):
        train_rows, test_rows = np.isin(owner, train_t), np.isin(owner, test_t)
        raw_train = _split_by_owner(x[:, 0], owner, train_t)
        raw_test = _split_by_owner(x[:, 0], owner, test_t)
        t = _best_threshold(raw_train, label[train_t])
        thresholds["raw tuned"].append(t)
        pred["raw tuned"][test_t] = first_below(raw_test, t)
        pred["raw 0.5"][test_t] = first_below(raw_test, 0.5)
        for method in methods:
            dtr, dte = domain[train_rows], domain[test_rows]
            fitted_train = _fit_predict(
                method, x[train_rows], y[train_rows], x[train_rows], dtr, dtr
            )
            fitted_test = _fit_predict(method, x[train_rows], y[train_rows], x[test_rows], dtr, dte)
            held[method][test_rows] = fitted_test
            values_train = _split_by_owner(fitted_train, owner[train_rows], train_t)
            values_test = _split_by_owner(fitted_test, owner[test_rows], test_t)
            t = _best_threshold(values_train, label[train_t])
            thresholds[method].append(t)
            pred[method][test_t] = first_below(values_test, t)
    detection = {k: first_error_scores(v, label) for k, v in pred.items()}
    by_split: dict[str, dict[str, float]] = {}
    if split is not None:
        for s in np.unique(split):
            m = split == s
            by_split[str(s)] = {
                k: first_error_scores(v[m], label[m])["f1"] for k, v in pred.items()
            }
    raw_in_unit = bool(np.nanmin(x[:, 0]) >= 0 and np.nanmax(x[:, 0]) <= 1)
    return {
        "scorer": table.scorer,
        "folds": folds,
        "trajectories": n,
        "prefixes": int(y.size),
        "problems": table.problems,
        "ece": {
            "raw": ece(x[:, 0], y) if raw_in_unit else float("nan"),
            **{m: ece(held[m], y) for m in METHODS},
        },
        "first_error": detection,
        "by_split": by_split,
        "thresholds": {k: [round(v, 4) for v in vs] for k, vs in thresholds.items()},
    }


__all__ = ["METHODS", "calibrate_prefixes", "prefix_examples"]
