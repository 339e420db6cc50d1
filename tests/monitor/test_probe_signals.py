"""Model-internal signals: probe scores on every rollout, their rules, and runs without them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proctor.monitor import MonitorConfig, OnlineMonitor, analyse, build_signals, probe_score
from proctor.records import Grade, Rollout, Verdict
from proctor.runs import Scalar

FIXTURE = Path(__file__).parent / "fixtures" / "before_probe_signals.json"
RUNS = {
    "benign": {"onset": None, "steps": 30, "base": 0.01, "seed": 5},
    "slow": {"onset": 10, "steps": 30, "ramp": 0.03, "seed": 3},
    "fast": {"onset": 12, "steps": 30, "seed": 1},
}


def _kl() -> list[Scalar]:
    return [Scalar(step=s, name="kl", value=0.01 * s + (0.5 if s > 20 else 0.0)) for s in range(30)]


def _with_probe(
    rollouts: list[Rollout], verdicts: list[Verdict], lead: int, seed: int = 0
) -> list[Rollout]:
    """Scores that flag a rising share of rollouts ``lead`` steps before the detectors do.

    A rollout the detectors flag scores high; before that, a share of the rollouts the
    detectors call clean also scores high, growing ahead of the hack rate (the policy's
    intent shows in its activations before it shows in its output)."""
    rng = np.random.default_rng(seed)
    hacks = {v.rollout_id for v in verdicts if v.label == "hack"}
    by_step: dict[int, int] = {}
    for r in rollouts:
        by_step[r.step or 0] = by_step.get(r.step or 0, 0) + (r.id in hacks)
    first = min((s for s, h in by_step.items() if h), default=10**9)
    out = []
    for r in rollouts:
        step = r.step or 0
        ahead = min(0.8, max(0.0, 0.1 * (step - (first - lead) + 1)))
        high = r.id in hacks or rng.random() < ahead
        score = float(rng.uniform(0.6, 0.95) if high else rng.uniform(0.02, 0.3))
        out.append(r.model_copy(update={"meta": {**r.meta, "probe_score": score}}))
    return out


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_run_without_probe_scores_is_analysed_exactly_as_before(make_run, name: str) -> None:
    rs, gs, vs = make_run(**RUNS[name])  # type: ignore[arg-type]
    analysis = analyse(rs, gs, vs, _kl())
    before = json.loads(FIXTURE.read_text())[name]
    now = {
        "summary": analysis.summary(),
        "rows": analysis.table.rows(),
        "alerts": [a.model_dump(mode="json") for a in analysis.alerts],
    }
    assert json.loads(json.dumps(now, sort_keys=True)) == before
    assert analysis.probe_forecasts == [] and "internal" not in analysis.table.kinds.values()


def test_probe_scores_do_not_change_the_hack_rate_forecast_or_any_other_alert(make_run) -> None:
    rs, gs, vs = make_run(**RUNS["slow"])  # type: ignore[arg-type]
    plain = analyse(rs, gs, vs, _kl())
    probed = analyse(_with_probe(rs, vs, lead=6), gs, vs, _kl())
    assert probed.forecasts == plain.forecasts
    others = [a for a in probed.alerts if a.signal_kind != "internal"]
    assert [(a.kind, a.signal, a.first_step) for a in others] == [
        (a.kind, a.signal, a.first_step) for a in plain.alerts
    ]


def test_signals_cover_every_scored_rollout_including_clean_ones() -> None:
    rollouts = [
        Rollout(id=f"r{i}", task_id="t", code="x", step=0, meta={"probe_score": s})
        for i, s in enumerate([0.1, 0.2, 0.6, 0.9])
    ] + [Rollout(id="r9", task_id="t", code="x", step=0)]  # no score: not counted
    clean = [Verdict.model_validate(_clean(r.id)) for r in rollouts]
    table = build_signals(rollouts, [], clean)
    assert table.kinds["probe_mean"] == "internal"
    assert table.get("probe_mean")[0] == pytest.approx(0.45)
    assert table.get("probe_p90")[0] == pytest.approx(np.quantile([0.1, 0.2, 0.6, 0.9], 0.9))
    assert table.get("probe_above")[0] == pytest.approx(0.5)
    assert table.probed.tolist() == [4] and table.probe_flagged.tolist() == [2]
    assert build_signals(rollouts, [], clean, probe_threshold=0.15).probe_flagged.tolist() == [3]


def _clean(rid: str) -> dict[str, object]:
    return {
        "rollout_id": rid,
        "detector": "ensemble",
        "spec": {"name": "ensemble"},
        "label": "clean",
        "confidence": 0.1,
    }


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"probe_score": 0.7}, 0.7),
        ({"extra": {"proctor_probe_score": 0.25}}, 0.25),  # a TRL completions-table column
        ({"extra": {"probe_score": 1}}, 1.0),  # verl reward extra info
        ({"probe_score": 1.5}, None),  # outside [0, 1]: no score
        ({"probe_score": float("nan")}, None),
        ({"probe_score": "high"}, None),
        ({"probe_score": True}, None),
        ({}, None),
    ],
)
def test_probe_score_is_read_from_the_documented_fields(meta: dict, expected: float | None) -> None:
    assert probe_score(Rollout(id="r", task_id="t", code="x", meta=meta)) == expected


def test_a_probe_that_rises_first_gives_an_earlier_model_internal_warning(make_run) -> None:
    rs, gs, vs = make_run(onset=12, steps=30, ramp=0.04, seed=2)
    analysis = analyse(_with_probe(rs, vs, lead=8), gs, vs)
    internal = [a for a in analysis.alerts if a.signal_kind == "internal"]
    assert internal and {a.severity for a in internal} == {"warning"}
    first_internal = min(a.first_step for a in internal)
    forecast = analysis.first("warning", "forecast")
    hack = analysis.first("hack")
    assert hack is not None and forecast is not None
    assert first_internal < forecast.first_step < hack.first_step
    assert analysis.summary()["first_internal_warning_step"] == first_internal
    kinds = {a.kind for a in internal}
    assert "probe_forecast" in kinds
    early = min(internal, key=lambda a: a.first_step)
    assert "model-internal" in early.message
    # its examples are the highest-scoring rollouts, whatever the detectors said
    assert early.evidence.examples
    assert early.evidence.examples[0].evidence[0].startswith("probe score 0.")


def test_a_benign_run_with_a_quiet_probe_raises_no_internal_alert(make_run) -> None:
    rs, gs, vs = make_run(onset=None, steps=30, base=0.01, seed=5)
    rng = np.random.default_rng(1)
    rs = [r.model_copy(update={"meta": {"probe_score": float(rng.uniform(0.0, 0.45))}}) for r in rs]
    analysis = analyse(rs, gs, vs)
    assert "probe_mean" in analysis.table.values
    assert [a for a in analysis.alerts if a.signal_kind == "internal"] == []


def test_the_online_monitor_raises_the_internal_warning_at_the_same_step(make_run) -> None:
    rs, gs, vs = make_run(onset=12, steps=30, ramp=0.04, seed=2)
    rs = _with_probe(rs, vs, lead=8)
    offline = analyse(rs, gs, vs)
    online = OnlineMonitor()
    for step in range(30):
        online.add(
            [r for r in rs if r.step == step],
            [g for g in gs if g.rollout_id.startswith(f"s{step}-")],
            [v for v in vs if v.rollout_id.startswith(f"s{step}-")],
        )
        online.check(step)
    assert online.analysis is not None
    key = [(a.kind, a.first_step) for a in offline.alerts if a.signal_kind == "internal"]
    assert [
        (a.kind, a.first_step) for a in online.analysis.alerts if a.signal_kind == "internal"
    ] == key


def test_internal_rules_can_be_turned_off(make_run) -> None:
    rs, gs, vs = make_run(onset=12, steps=30, ramp=0.04, seed=2)
    config = MonitorConfig.model_validate({"probe": {"enabled": False}})
    analysis = analyse(_with_probe(rs, vs, lead=8), gs, vs, config=config)
    assert "probe_mean" in analysis.table.values
    assert [a for a in analysis.alerts if a.signal_kind == "internal"] == []


def test_a_grade_is_not_needed_for_a_probe_signal() -> None:
    rollouts = [
        Rollout(
            id=f"s{s}-{j}",
            task_id="t",
            code="x",
            step=s,
            meta={"probe_score": 0.9 if s > 6 else 0.1},
        )
        for s in range(12)
        for j in range(5)
    ]
    analysis = analyse(rollouts, list[Grade]())
    assert any(a.kind == "probe_rate" for a in analysis.alerts)


def test_the_probe_rules_are_relative_to_the_runs_own_baseline() -> None:
    """A probe that flags 40% of every step (its false-positive rate) does not warn;
    the same probe rising 30 points above that does, after the warm-up."""

    def run(rise_at: int | None) -> list[Rollout]:
        return [
            Rollout(
                id=f"s{s}-{j}",
                task_id="t",
                code="x",
                step=s,
                meta={
                    "probe_score": 0.9
                    if j < (7 if rise_at is not None and s >= rise_at else 4)
                    else 0.1
                },
            )
            for s in range(20)
            for j in range(10)
        ]

    assert [a for a in analyse(run(None)).alerts if a.signal_kind == "internal"] == []
    rising = [a for a in analyse(run(10)).alerts if a.kind == "probe_rate"]
    assert [a.first_step for a in rising] == [12]  # 3 steps at 70% vs a 40% baseline
    assert "above its baseline 40%" in rising[0].message
    # nothing can warn before the warm-up's 5 scored steps are in
    assert [a for a in analyse(run(0)).alerts if a.signal_kind == "internal"] == []


def test_a_probe_scores_rollouts_for_the_monitor_through_add_probe_scores() -> None:
    from proctor.monitor import add_probe_scores

    calls: list[tuple[list[str], list[str]]] = []

    def probe(prompts, completions):
        calls.append((list(prompts), list(completions)))
        return np.array([0.9 if "exit" in c else 0.1 for c in completions], dtype=np.float32)

    rollouts = [
        Rollout(id="a", task_id="t", prompt="p", completion="sys.exit(0)", step=0),
        Rollout(id="b", task_id="t", code="return 1", step=0),
        Rollout(id="c", task_id="t", code="x", step=0),
    ]
    scored = add_probe_scores(rollouts, probe, batch_size=2)
    assert [probe_score(r) for r in scored] == pytest.approx([0.9, 0.1, 0.1])
    assert calls == [(["p", ""], ["sys.exit(0)", "return 1"]), ([""], ["x"])]
    assert rollouts[0].meta == {}  # the inputs are not changed
    with pytest.raises(ValueError, match="2 scores for 3 rollouts"):
        add_probe_scores(rollouts, lambda p, c: [0.5, 0.5])
