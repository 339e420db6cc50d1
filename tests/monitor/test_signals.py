"""Per-step signals from hand-built steps."""

from __future__ import annotations

import math

from proctor.monitor import SIGNALS, build_signals, scalar_kind
from proctor.records import Grade, Rollout
from proctor.records._verdict import DetectorSpec, Verdict
from proctor.runs import Scalar


def verdict(rollout_id: str, label: str, category: str | None = None) -> Verdict:
    return Verdict(
        rollout_id=rollout_id,
        detector="ensemble",
        spec=DetectorSpec(name="ensemble"),
        label=label,
        category=category,
    )  # type: ignore[arg-type]


def _step(
    step: int, rewards: list[float], golds: list[float], labels: list[str]
) -> tuple[list[Rollout], list[Grade], list]:
    rs = [
        Rollout(
            id=f"{step}-{i}",
            task_id="t",
            step=step,
            code="x" * (10 * (i + 1)),
            reward=r,
            group=f"s{step}/t",
        )
        for i, r in enumerate(rewards)
    ]
    gs = [
        Grade(rollout_id=r.id, task_id="t", grader="hardened", proxy=r.reward, gold=g)
        for r, g in zip(rs, golds, strict=True)
    ]
    vs = [
        verdict(r.id, lab, "early_exit" if lab == "hack" else None)
        for r, lab in zip(rs, labels, strict=True)
    ]
    return rs, gs, vs


def test_step_means_gap_and_hack_rate() -> None:
    rs, gs, vs = _step(3, [1, 1, 0, 1], [0, 1, 0, 1], ["hack", "clean", "clean", "unsure"])
    t = build_signals(rs, gs, vs)
    assert list(t.steps) == [3]
    assert t.get("proxy_mean")[0] == 0.75 and t.get("gold_mean")[0] == 0.5
    assert math.isclose(t.get("gap")[0], 0.25)
    assert t.get("hack_rate")[0] == 0.25 and t.get("unsure_rate")[0] == 0.25
    assert t.get("hack_rate/early_exit")[0] == 0.25


def test_every_signal_is_labelled_with_its_kind() -> None:
    rs, gs, vs = _step(0, [1, 0, 1, 0], [1, 0, 0, 0], ["hack", "clean", "clean", "clean"])
    scalars = [
        Scalar(step=0, name="kl", value=0.1),
        Scalar(step=0, name="entropy", value=2.0),
        Scalar(step=0, name="reward_std", value=0.3),
    ]
    t = build_signals(rs, gs, vs, scalars)
    assert t.kinds["gap"] == "oracle" and t.kinds["hack_rate/early_exit"] == "oracle"
    assert (
        t.kinds["length_mean"] == "behavioural" and t.kinds["zero_variance_groups"] == "behavioural"
    )
    assert t.kinds["kl"] == "geometry" and t.kinds["entropy"] == "geometry"
    assert t.kinds["reward_std"] == "behavioural"
    assert {SIGNALS[n][0] for n in SIGNALS} == {"oracle", "behavioural", "internal"}


def test_scalar_kind_by_name() -> None:
    assert scalar_kind("train/kl") == "geometry" and scalar_kind("adv_std") == "geometry"
    assert scalar_kind("length_mean") == "behavioural"


def test_proxy_falls_back_to_the_grade_when_the_rollout_has_no_reward() -> None:
    r = Rollout(id="a", task_id="t", step=1, code="pass")
    t = build_signals([r], [Grade(rollout_id="a", task_id="t", grader="g", proxy=0.5, gold=0.0)])
    assert t.get("proxy_mean")[0] == 0.5


def test_rollouts_without_a_step_form_step_zero() -> None:
    t = build_signals(
        [Rollout(id="a", task_id="t", code="pass"), Rollout(id="b", task_id="t", code="1")]
    )
    assert list(t.steps) == [0] and t.counts[0] == 2


def test_zero_variance_groups_and_truth_is_never_read() -> None:
    rs, gs, vs = _step(0, [1, 1, 1, 1], [1, 1, 1, 1], ["clean"] * 4)
    base = build_signals(rs, gs, vs).rows()
    truthful = [
        r.model_copy(update={"meta": {"truth": {"kind": "hack", "category": "x"}}}) for r in rs
    ]
    assert build_signals(truthful, gs, vs).rows() == base
    assert base[0]["zero_variance_groups"] == 1.0


def test_category_absent_from_a_judged_step_is_zero_not_unknown() -> None:
    a = _step(0, [1, 0], [0, 0], ["hack", "clean"])
    b = _step(1, [0, 0], [0, 0], ["clean", "clean"])
    t = build_signals(a[0] + b[0], a[1] + b[1], a[2] + b[2])
    assert list(t.get("hack_rate/early_exit")) == [0.5, 0.0]
