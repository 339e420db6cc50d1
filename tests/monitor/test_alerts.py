"""Alert life cycle (fire once, re-fire after clearing) and who may convict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from proctor.monitor import Alert, MonitorConfig, analyse_table, episodes
from proctor.monitor._signals import SignalTable


def test_fires_once_while_held_and_refires_only_after_clearing() -> None:
    on = np.array([0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1], dtype=bool)
    assert episodes(on, clear_steps=3) == [(1, 5, 8), (9, 10, None)]


def test_a_short_dip_does_not_refire() -> None:
    on = np.array([1, 0, 0, 1, 0, 1], dtype=bool)
    assert episodes(on, clear_steps=3) == [(0, 5, None)]


def test_only_oracle_signals_can_be_hack_alerts() -> None:
    with pytest.raises(ValidationError, match="only oracle-adjacent"):
        Alert(
            kind="behaviour_change",
            signal="kl",
            signal_kind="geometry",
            severity="hack",
            first_step=1,
            last_step=1,
        )


def test_analysed_run_fires_each_rule_once(make_run) -> None:
    from proctor.monitor import analyse

    a = analyse(*make_run(10, steps=30))
    kinds = [x.kind for x in a.alerts if x.severity == "hack"]
    assert len(kinds) == len(set(kinds))
    hack = a.first("hack")
    assert hack is not None and hack.evidence.examples and hack.evidence.examples[0].label == "hack"
    assert hack.evidence.steps[-1] == hack.first_step and hack.action


series = st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=12, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "kl",
                "entropy",
                "adv_std",
                "length_mean",
                "truncation_rate",
                "zero_variance_groups",
                "grad_norm",
            ]
        ),
        series,
        min_size=1,
        max_size=5,
    )
)
def test_behavioural_and_geometry_signals_never_raise_a_hack_alert(
    cols: dict[str, list[float]],
) -> None:
    n = min(len(v) for v in cols.values())
    t = SignalTable(
        steps=np.arange(n),
        counts=np.full(n, 8),
        judged=np.zeros(n, dtype=np.int64),
        hacks=np.zeros(n, dtype=np.int64),
    )
    for name, values in cols.items():
        t.values[name] = np.asarray(values[:n], dtype=float)
        t.kinds[name] = (
            "geometry" if name in ("kl", "entropy", "adv_std", "grad_norm") else "behavioural"
        )
    a = analyse_table(t, config=MonitorConfig())
    assert all(x.severity != "hack" for x in a.alerts)
    assert a.exit_code < 2
