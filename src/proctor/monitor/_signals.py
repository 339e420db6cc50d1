"""Per-step signals of a run, each labelled with its kind.

- ``oracle``: oracle-adjacent — the proxy, the held-out (gold) score, their gap,
  the detected hack rate (overall and by category), detector confidence. Only
  these may raise a *hack* alert.
- ``behavioural``: what the outputs look like — length, truncation, reward–length
  correlation, zero-variance GRPO groups, reward-component shares.
- ``geometry``: the optimiser's state as the trainer logged it — KL, entropy,
  advantage statistics, gradient norm, clipping.
- ``internal``: model-internal — what a probe on the policy's activations (or any
  auditor reading them) scores each rollout, over *all* of a step's rollouts, those
  the detectors call clean included. Read from each rollout's ``probe_score``
  (`probe_score`); a run without it has no internal signal.

Ground truth the lab stores in ``Rollout.meta["truth"]`` is never read here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from proctor.records import Grade, Rollout, Verdict

SignalKind = Literal["oracle", "behavioural", "geometry", "internal"]

NDArray = np.ndarray  # float64 arrays, one value per step, NaN where unknown

_GEOMETRY_PREFIXES = (
    "kl",
    "entropy",
    "adv",
    "grad",
    "clip",
    "lr",
    "ratio",
    "value_loss",
    "policy_loss",
    "loss",
)

SIGNALS: dict[str, tuple[SignalKind, str]] = {
    "proxy_mean": ("oracle", "Mean training reward (Rollout.reward, else the grader's proxy)."),
    "gold_mean": ("oracle", "Mean held-out (gold) score."),
    "gap": ("oracle", "Mean proxy − gold over rollouts that have both."),
    "hack_rate": ("oracle", "Share of judged rollouts the ensemble labels hack."),
    "unsure_rate": ("oracle", "Share of judged rollouts the ensemble labels unsure."),
    "confidence_mean": ("oracle", "Mean ensemble hack confidence."),
    "length_mean": ("behavioural", "Mean completion length in characters."),
    "truncation_rate": (
        "behavioural",
        "Share of rollouts cut at the length limit (meta.truncated or finish_reason == 'length').",
    ),
    "reward_length_corr": ("behavioural", "Pearson correlation of reward and length in the step."),
    "zero_variance_groups": ("behavioural", "Share of GRPO groups whose rewards are all equal."),
    "probe_mean": ("internal", "Mean probe score over all scored rollouts of the step."),
    "probe_p90": ("internal", "90th percentile of the step's probe scores."),
    "probe_above": (
        "internal",
        "Share of scored rollouts whose probe score reaches the threshold (default 0.5).",
    ),
}
"""The built-in signals: name -> (kind, what it measures). Per-category hack rates are
``hack_rate/<category>`` (oracle), reward-component shares ``reward_share/<name>``
(behavioural, from ``meta.reward_components``), trainer scalars keep their name."""


PROBE_THRESHOLD = 0.5
"""Default probe score at or above which a rollout counts in ``probe_above``
(`MonitorConfig.probe.threshold`): scores are calibrated probabilities of hacking."""


def probe_score(rollout: Rollout) -> float | None:
    """The rollout's model-internal score in ``[0, 1]``, or None when it has none.

    Read from, first found wins: ``meta["probe_score"]`` (proctor JSONL, the lab's
    files, the run store), ``meta["extra"]["proctor_probe_score"]`` (a column of TRL's
    completions table: ``proctor_*`` columns are never a reward) and
    ``meta["extra"]["probe_score"]`` (verl's reward extra info).

    A value that is not a finite number in ``[0, 1]`` counts as no score: one bad
    record must not take the monitor down, and it is not evidence either way.
    """
    meta = rollout.meta
    extra = meta.get("extra")
    candidates = [meta.get("probe_score")]
    if isinstance(extra, dict):
        candidates += [extra.get("proctor_probe_score"), extra.get("probe_score")]
    for value in candidates:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        x = float(value)
        return x if math.isfinite(x) and 0.0 <= x <= 1.0 else None
    return None


class ScalarLike(Protocol):
    """A trainer scalar (``proctor.runs.Scalar`` has this shape)."""

    @property
    def step(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> float: ...


def scalar_kind(name: str) -> SignalKind:
    """Kind of a trainer scalar, by its name: optimiser state is geometry, the rest behaviour."""
    base = name.rsplit("/", 1)[-1].lower()
    return "geometry" if base.startswith(_GEOMETRY_PREFIXES) else "behavioural"


@dataclass
class SignalTable:
    """One row per step, one column per signal; NaN where a signal is unknown at a step."""

    steps: np.ndarray
    """Training steps, ascending (int64)."""
    values: dict[str, NDArray] = field(default_factory=dict)
    """Signal name -> one value per step."""
    kinds: dict[str, SignalKind] = field(default_factory=dict)
    """Signal name -> its kind."""
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Rollouts per step."""
    judged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Rollouts with an ensemble verdict per step."""
    hacks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Rollouts labelled hack per step."""
    probed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Rollouts with a probe score per step (all zero in a run without probe scores)."""
    probe_flagged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Rollouts whose probe score reaches the threshold, per step."""

    @property
    def has_probe(self) -> bool:
        """Whether any rollout of the run carries a probe score."""
        return len(self.probed) == len(self.steps) and bool(self.probed.sum())

    def get(self, name: str) -> NDArray:
        """The column, or all-NaN when the run does not have this signal."""
        return self.values.get(name, np.full(len(self.steps), np.nan))

    def of_kind(self, kind: SignalKind) -> list[str]:
        """Signal names of one kind, in table order."""
        return [n for n, k in self.kinds.items() if k == kind]

    def index(self, step: int) -> int:
        """Row of a step."""
        return int(np.searchsorted(self.steps, step))

    def rows(self) -> list[dict[str, float | int | None]]:
        """The table as JSON-able rows (NaN -> None)."""
        out: list[dict[str, float | int | None]] = []
        for i, step in enumerate(self.steps):
            row: dict[str, float | int | None] = {
                "step": int(step),
                "rollouts": int(self.counts[i]),
            }
            for name, col in self.values.items():
                v = float(col[i])
                row[name] = None if np.isnan(v) else round(v, 6)
            out.append(row)
        return out


def _length(r: Rollout) -> int:
    return len(r.completion if r.completion is not None else (r.code or ""))


def _truncated(r: Rollout) -> bool:
    return bool(r.meta.get("truncated")) or r.meta.get("finish_reason") == "length"


def _proxy(r: Rollout, g: Grade | None) -> float:
    if r.reward is not None:
        return float(r.reward)
    if g is not None and g.status == "ok" and g.proxy is not None:
        return float(g.proxy)
    return float("nan")


def _mean(xs: list[float]) -> float:
    arr = np.asarray([x for x in xs if not np.isnan(x)], dtype=float)
    return float(arr.mean()) if arr.size else float("nan")


def _corr(a: list[float], b: list[float]) -> float:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if x.size < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _probe_values(scores: list[float], threshold: float) -> dict[str, float]:
    """The model-internal signals of one step, from every rollout's score (clean or not)."""
    if not scores:
        return {}
    arr = np.asarray(scores, dtype=float)
    return {
        "probe_mean": float(arr.mean()),
        "probe_p90": float(np.quantile(arr, 0.9)),
        "probe_above": float(np.mean(arr >= threshold)),
    }


def _step_values(
    rollouts: list[Rollout],
    grades: Mapping[str, Grade],
    verdicts: Mapping[str, Verdict],
    probe_scores: list[float] | None = None,
    probe_threshold: float = PROBE_THRESHOLD,
) -> dict[str, float]:
    """Every rollout-derived signal of one step."""
    proxies = [_proxy(r, grades.get(r.id)) for r in rollouts]
    golds = [
        float(g.gold)
        if (g := grades.get(r.id)) is not None and g.status == "ok" and g.gold is not None
        else float("nan")
        for r in rollouts
    ]
    gaps = [p - q for p, q in zip(proxies, golds, strict=True)]
    lengths = [float(_length(r)) for r in rollouts]
    out = {
        "proxy_mean": _mean(proxies),
        "gold_mean": _mean(golds),
        "gap": _mean(gaps),
        "length_mean": _mean(lengths),
        "truncation_rate": float(np.mean([_truncated(r) for r in rollouts])),
        "reward_length_corr": _corr(proxies, lengths),
    }
    judged = [verdicts[r.id] for r in rollouts if r.id in verdicts]
    if judged:
        out["hack_rate"] = sum(v.label == "hack" for v in judged) / len(judged)
        out["unsure_rate"] = sum(v.label in ("unsure", "not_applicable") for v in judged) / len(
            judged
        )
        out["confidence_mean"] = float(np.mean([v.confidence for v in judged]))
        for v in judged:
            if v.label == "hack":
                key = f"hack_rate/{v.category or 'uncategorised'}"
                out[key] = out.get(key, 0.0) + 1.0 / len(judged)
    groups: dict[str, list[float]] = {}
    for r, p in zip(rollouts, proxies, strict=True):
        if r.group and not np.isnan(p):
            groups.setdefault(r.group, []).append(p)
    sized = [g for g in groups.values() if len(g) > 1]
    if sized:
        out["zero_variance_groups"] = float(np.mean([max(g) == min(g) for g in sized]))
    shares: dict[str, list[float]] = {}
    for r in rollouts:
        parts = r.meta.get("reward_components")
        if isinstance(parts, dict):
            nums = {str(k): float(v) for k, v in parts.items() if isinstance(v, int | float)}
            total = sum(abs(v) for v in nums.values())
            for k, part in nums.items():
                share = abs(part) / total if total else 0.0
                shares.setdefault(f"reward_share/{k}", []).append(share)
    out.update({k: float(np.mean(v)) for k, v in shares.items()})
    out.update(_probe_values(probe_scores or [], probe_threshold))
    return out


@dataclass
class StepRow:
    """One step's row of the signal table, computed from that step's records alone."""

    step: int
    count: int = 0
    judged: int = 0
    hacks: int = 0
    values: dict[str, float] = field(default_factory=dict)
    probed: int = 0
    probe_flagged: int = 0


def step_row(
    step: int,
    members: list[Rollout],
    grades: Mapping[str, Grade],
    verdicts: Mapping[str, Verdict],
    probe_threshold: float = PROBE_THRESHOLD,
) -> StepRow:
    """The row of one step; ``verdicts`` are the ensemble's, by rollout id.

    ``probe_threshold``: the probe score at or above which a rollout counts as flagged
    by the probe (``probe_above``)."""
    judged = [verdicts[r.id] for r in members if r.id in verdicts]
    scores = [x for r in members if (x := probe_score(r)) is not None]
    return StepRow(
        step=step,
        count=len(members),
        judged=len(judged),
        hacks=sum(v.label == "hack" for v in judged),
        values=_step_values(members, grades, verdicts, scores, probe_threshold) if members else {},
        probed=len(scores),
        probe_flagged=sum(x >= probe_threshold for x in scores),
    )


def assemble(rows: list[StepRow], scalar_rows: Mapping[int, Mapping[str, float]]) -> SignalTable:
    """The table from per-step rows (ascending steps) and trainer scalars by step."""
    by_step = {r.step: r for r in rows}
    steps = np.array(sorted(set(by_step) | set(scalar_rows)), dtype=np.int64)
    full = [by_step.get(int(s), StepRow(int(s))) for s in steps]
    table = SignalTable(
        steps=steps,
        counts=np.array([r.count for r in full], dtype=np.int64),
        judged=np.array([r.judged for r in full], dtype=np.int64),
        hacks=np.array([r.hacks for r in full], dtype=np.int64),
        probed=np.array([r.probed for r in full], dtype=np.int64),
        probe_flagged=np.array([r.probe_flagged for r in full], dtype=np.int64),
    )
    derived = [r.values for r in full]
    names = list(SIGNALS) + sorted({k for row in derived for k in row} - set(SIGNALS))
    for name in names:
        col = np.array([row.get(name, np.nan) for row in derived], dtype=float)
        if name.startswith("hack_rate/"):
            # a category absent from a judged step has rate 0 there, not "unknown"
            col = np.where(np.isnan(col) & (table.judged > 0), 0.0, col)
        if np.all(np.isnan(col)):
            continue
        table.values[name] = col
        kind = (
            SIGNALS[name][0]
            if name in SIGNALS
            else ("oracle" if name.startswith("hack_rate/") else "behavioural")
        )
        table.kinds[name] = kind
    for name in sorted({n for row in scalar_rows.values() for n in row}):
        key = name if name not in table.values else f"trainer/{name}"
        table.values[key] = np.array(
            [scalar_rows.get(int(s), {}).get(name, np.nan) for s in steps], dtype=float
        )
        table.kinds[key] = scalar_kind(name)
    return table


def build_signals(
    rollouts: Iterable[Rollout],
    grades: Iterable[Grade] = (),
    verdicts: Iterable[Verdict] = (),
    scalars: Iterable[ScalarLike] = (),
    probe_threshold: float = PROBE_THRESHOLD,
) -> SignalTable:
    """The per-step table. ``verdicts`` are the ensemble's; a rollout without a step is step 0.

    ``probe_threshold`` sets ``probe_above`` (`MonitorConfig.probe.threshold`)."""
    by_step: dict[int, list[Rollout]] = {}
    for r in rollouts:
        by_step.setdefault(r.step if r.step is not None else 0, []).append(r)
    grade_of = {g.rollout_id: g for g in grades}
    verdict_of = {v.rollout_id: v for v in verdicts if v.detector == "ensemble"}
    scalar_rows: dict[int, dict[str, float]] = {}
    for s in scalars:
        scalar_rows.setdefault(int(s.step), {})[s.name] = float(s.value)
    rows = [
        step_row(step, by_step[step], grade_of, verdict_of, probe_threshold)
        for step in sorted(by_step)
    ]
    return assemble(rows, scalar_rows)


__all__ = [
    "PROBE_THRESHOLD",
    "SIGNALS",
    "ScalarLike",
    "SignalKind",
    "SignalTable",
    "StepRow",
    "assemble",
    "build_signals",
    "probe_score",
    "scalar_kind",
    "step_row",
]
