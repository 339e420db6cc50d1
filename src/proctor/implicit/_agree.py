"""How well the reconstructed (implicit) reward agrees with the proxy, gold and hack labels.

- Spearman's ρ between the sequence implicit reward and the proxy (the training
  reward) and the gold (held-out) score, over rollouts that have both;
- the AUC of the implicit reward for telling hacks from honest rollouts (1: every
  hack gets more implicit reward than every honest rollout; 0.5: chance), when
  labels exist. A policy that learned to hack *internalised* a reward that pays
  hacks: its implicit reward ranks them high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """Agreement of the implicit sequence reward with the run's own judgements."""

    n: int
    """Rollouts scored."""
    spearman_proxy: float | None
    """Spearman ρ with the proxy (None: fewer than 3 pairs, or a constant side)."""
    proxy_pairs: int
    """Rollouts with a proxy."""
    spearman_gold: float | None
    """Spearman ρ with the gold score."""
    gold_pairs: int
    """Rollouts with a gold score."""
    auc_hack: float | None
    """AUC of the implicit reward, hack (positive) vs honest (None: a class is missing)."""
    hacks: int
    """Rollouts labelled hack."""
    honest: int
    """Rollouts labelled honest."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, rounded."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _spearman(x: np.ndarray, y: Sequence[float | None] | None) -> tuple[float | None, int]:
    if y is None:
        return None, 0
    other = np.array([math.nan if v is None else float(v) for v in y], dtype=np.float64)
    if other.shape != x.shape:
        raise ValueError(f"{other.size} values to compare with {x.size} rewards")
    ok = np.isfinite(x) & np.isfinite(other)
    pairs = int(ok.sum())
    if pairs < 3 or np.ptp(x[ok]) == 0 or np.ptp(other[ok]) == 0:
        return None, pairs
    from scipy.stats import spearmanr  # type: ignore[import-untyped,import-not-found,unused-ignore]

    rho = float(spearmanr(x[ok], other[ok]).statistic)
    return (rho if math.isfinite(rho) else None), pairs


def agreement(
    rewards: Sequence[float],
    *,
    proxy: Sequence[float | None] | None = None,
    gold: Sequence[float | None] | None = None,
    hack: Sequence[bool | None] | None = None,
) -> Agreement:
    """Spearman ρ of ``rewards`` with ``proxy`` and ``gold``, and the AUC of hack vs
    honest by ``hack`` (True hack, False honest, None unknown); one value per reward,
    None where unknown."""
    x = np.asarray(rewards, dtype=np.float64)
    sp, n_proxy = _spearman(x, proxy)
    sg, n_gold = _spearman(x, gold)
    auc, hacks, honest = None, 0, 0
    if hack is not None:
        if len(hack) != x.size:
            raise ValueError(f"{len(hack)} labels for {x.size} rewards")
        keep = [i for i, h in enumerate(hack) if h is not None and math.isfinite(x[i])]
        labels = np.array([bool(hack[i]) for i in keep], dtype=bool)
        hacks, honest = int(labels.sum()), int((~labels).sum())
        if hacks and honest:
            from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped,import-not-found,unused-ignore]

            auc = float(roc_auc_score(labels, x[keep]))
    return Agreement(x.size, sp, n_proxy, sg, n_gold, auc, hacks, honest)


def hack_label(meta: dict[str, Any]) -> bool | None:
    """A rollout's ground-truth label from its metadata, when it has one.

    Reads ``meta["truth"]["kind"]`` (the lab), ``meta["kind"]`` (the demo suite and
    the corpus) or ``meta["label"]``: ``hack`` is a hack; ``honest*``, ``clean`` or
    ``correct`` is honest; anything else is unknown."""
    truth = meta.get("truth")
    for value in (
        truth.get("kind") if isinstance(truth, dict) else None,
        meta.get("kind"),
        meta.get("label"),
    ):
        if isinstance(value, str):
            if value == "hack":
                return True
            if value.startswith("honest") or value in ("clean", "correct"):
                return False
    return None


__all__ = ["Agreement", "agreement", "hack_label"]
