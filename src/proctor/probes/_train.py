"""Training a probe: per-layer linear probes, the layer chosen by task-grouped CV, calibrated.

Splits are always by task (``GroupKFold`` over task ids), never by sample: completions
of one task share its prompt and much of their text, so a sample split would let a
probe score well by recognising the task. Each (layer, pooling) candidate is a
standardised logistic regression; its score is the AUC of its out-of-fold decision
values pooled over the folds. The best candidate is refitted on every row, and a Platt
calibrator (with Platt's smoothed targets) is fitted on its out-of-fold decision
values, so the calibration never sees a decision value from a model trained on the
same row. The reported CV AUC of the chosen layer is the maximum over the candidates:
slightly optimistic; report a held-out split of tasks for an unbiased figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from proctor.probes._capture import Activations
from proctor.probes._rows import ProbeRow, rows_digest
from proctor.probes._spec import LayerScore, Probe, ProbeSpec, linear_decision


def group_folds(groups: Sequence[str], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays of a ``GroupKFold`` over ``groups``: no group is ever on
    both sides. ``folds`` is capped at the number of distinct groups (at least 2 needed)."""
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped,import-not-found,unused-ignore]

    distinct = len(set(groups))
    if distinct < 2:
        raise ValueError(f"cross-validation by task needs at least 2 tasks, got {distinct}")
    splitter = GroupKFold(n_splits=min(folds, distinct))
    index = np.zeros(len(groups))
    return [(tr, te) for tr, te in splitter.split(index, groups=list(groups))]


def _fit(
    x: np.ndarray, y: np.ndarray, c: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A standardised logistic regression: (mean, scale, coef, intercept)."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped,import-not-found,unused-ignore]

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(x), y)
    return (
        np.asarray(scaler.mean_, np.float64),
        np.asarray(scaler.scale_, np.float64),
        np.asarray(model.coef_[0], np.float64),
        float(model.intercept_[0]),
    )


def out_of_fold(
    x: np.ndarray, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]], c: float
) -> np.ndarray:
    """Each row's decision value from the probe fitted on the other folds' tasks.

    A fold whose training tasks hold one label only gives its rows the training prior's
    log-odds (no probe can be fitted), which costs AUC rather than hiding the problem."""
    out = np.zeros(len(y), np.float64)
    for train, test in folds:
        labels = y[train]
        if labels.min() == labels.max():
            p = min(max(labels.mean(), 1e-3), 1 - 1e-3)
            out[test] = math.log(p / (1 - p))
            continue
        out[test] = linear_decision(x[test], *_fit(x[train], labels, c))
    return out


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    """ROC AUC, or ``None`` when only one label is present."""
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped,import-not-found,unused-ignore]

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, s))


def platt(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling ``p = 1 / (1 + exp(-(a·s + b)))`` with Platt's smoothed targets
    ((N₊+1)/(N₊+2) and 1/(N₋+2)), so perfectly separated folds do not give a step."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped,import-not-found,unused-ignore]

    pos, neg = int(y.sum()), int(len(y) - y.sum())
    target = np.where(y == 1, (pos + 1) / (pos + 2), 1 / (neg + 2))
    xs = np.concatenate([s, s]).reshape(-1, 1)
    ys = np.concatenate([np.ones(len(s)), np.zeros(len(s))])
    weights = np.concatenate([target, 1 - target])
    model = LogisticRegression(C=1e4, max_iter=2000).fit(xs, ys, sample_weight=weights)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def check_training_rows(rows: Sequence[ProbeRow]) -> np.ndarray:
    """The labels of ``rows`` as 0/1, or `ValueError` when they cannot train a probe (an
    unlabelled row, one label only, fewer than two tasks): check before capturing."""
    labels = [r.label for r in rows]
    if any(label is None for label in labels):
        first = next(i for i, label in enumerate(labels) if label is None)
        raise ValueError(f"row {first} ({rows[first].id}) has no label")
    y = np.array([1 if label else 0 for label in labels])
    if len(y) == 0 or y.min() == y.max():
        raise ValueError("training needs both hack and honest rows")
    distinct = len({r.task_id for r in rows})
    if distinct < 2:
        raise ValueError(f"cross-validation by task needs at least 2 tasks, got {distinct}")
    return y


def train_probe(
    activations: Activations,
    rows: Sequence[ProbeRow],
    *,
    model: str,
    folds: int = 5,
    c: float = 1.0,
    threshold: float = 0.5,
    max_length: int = 2048,
) -> Probe:
    """Fit a calibrated probe on labelled ``rows`` and their ``activations``.

    Every (layer, pooling) in ``activations`` is a candidate; the one with the best
    task-grouped out-of-fold AUC is kept (ties: the shallower layer). ``model`` is how
    the probe's model is loaded again (a local path or a Hugging Face id in the local
    cache); ``max_length`` must be the one the activations were captured with.
    """
    import sklearn  # type: ignore[import-untyped,import-not-found,unused-ignore]

    y = check_training_rows(rows)
    groups = [r.task_id for r in rows]
    splits = group_folds(groups, folds)
    scores: list[LayerScore] = []
    best: tuple[float, LayerScore, np.ndarray] | None = None
    for layer, pooling in activations.keys:
        x = activations.values[(layer, pooling)]
        if x.shape[0] != len(rows):
            raise ValueError(f"activations hold {x.shape[0]} rows, labels {len(rows)}")
        oof = out_of_fold(x, y, splits, c)
        fold_aucs = [auc(y[te], oof[te]) for _, te in splits]
        score = LayerScore(
            layer=layer, pooling=pooling, auc=auc(y, oof) or 0.5, fold_aucs=fold_aucs
        )
        scores.append(score)
        if best is None or score.auc > best[0]:
            best = (score.auc, score, oof)
    assert best is not None
    _, chosen, oof = best
    x = activations.values[(chosen.layer, chosen.pooling)]
    mean, scale, coef, intercept = _fit(x, y, c)
    a, b = platt(oof, y)
    spec = ProbeSpec(
        model=model,
        model_id=activations.model_id,
        layer=chosen.layer,
        pooling=chosen.pooling,
        max_length=max_length,
        threshold=threshold,
        c=c,
        folds=len(splits),
        rows=len(rows),
        positives=int(y.sum()),
        tasks=len(set(groups)),
        rows_digest=rows_digest(rows),
        cv=scores,
        cv_auc=chosen.auc,
        sklearn_version=sklearn.__version__,
        numpy_version=np.__version__,
    )
    return Probe(spec, mean, scale, coef, intercept, (a, b))


__all__ = ["auc", "check_training_rows", "group_folds", "out_of_fold", "platt", "train_probe"]
