"""Probe training: task-grouped CV, a learnt signal on held-out tasks, exact round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from _probes_tiny import synthetic_rows, tiny_llama, tiny_tokenizer

from proctor.probes import (
    Activations,
    Probe,
    ProbeRow,
    auc,
    capture_activations,
    group_folds,
    model_fingerprint,
    train_probe,
)

ROWS = synthetic_rows(tasks=24, per_task=4)
TRAIN = [r for r in ROWS if int(r.task_id.removeprefix("task")) < 16]
HELD_OUT = [r for r in ROWS if int(r.task_id.removeprefix("task")) >= 16]


@pytest.fixture(scope="module")
def tok() -> Any:
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def lm(tok: Any) -> Any:
    return tiny_llama(tok)


@pytest.fixture(scope="module")
def probe(lm: Any, tok: Any) -> Probe:
    acts = capture_activations(lm, tok, TRAIN, layers=[0, 1], pooling=["mean", "last"])
    return train_probe(acts, TRAIN, model="tiny-llama", folds=4)


def test_probe_finds_the_exit_signal_on_held_out_tasks(probe: Probe, lm: Any, tok: Any) -> None:
    scores = probe.score(HELD_OUT, lm, tok)
    y = np.array([int(bool(r.label)) for r in HELD_OUT])
    value = auc(y, np.array(scores))
    assert value is not None and value > 0.9
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_the_spec_records_every_candidate_and_the_choice(probe: Probe, lm: Any, tok: Any) -> None:
    spec = probe.spec
    assert {(s.layer, s.pooling) for s in spec.cv} == {
        (0, "mean"),
        (0, "last"),
        (1, "mean"),
        (1, "last"),
    }
    chosen = next(s for s in spec.cv if (s.layer, s.pooling) == (spec.layer, spec.pooling))
    assert chosen.auc == spec.cv_auc == max(s.auc for s in spec.cv)
    assert (spec.rows, spec.tasks, spec.positives, spec.folds) == (
        len(TRAIN),
        16,
        len(TRAIN) // 2,
        4,
    )
    assert spec.model_id == model_fingerprint(lm, tok) and spec.sklearn_version


def test_saved_and_loaded_probe_gives_identical_scores(
    probe: Probe, lm: Any, tok: Any, tmp_path: Path
) -> None:
    probe.save(tmp_path / "p")
    loaded = Probe.load(tmp_path / "p")
    assert loaded.spec == probe.spec
    assert loaded.score(HELD_OUT, lm, tok) == probe.score(HELD_OUT, lm, tok)


def test_a_pickled_weights_file_is_refused(probe: Probe, tmp_path: Path) -> None:
    probe.save(tmp_path)
    weights = {k: getattr(probe, k) for k in ("mean", "scale", "coef")}
    np.savez(
        tmp_path / "weights.npz",
        **weights,
        intercept=np.array([0.0]),
        platt=np.array([object(), 1.0], dtype=object),
    )
    with pytest.raises(ValueError, match="pickle"):
        Probe.load(tmp_path)


def test_scoring_with_another_model_is_refused(probe: Probe, tok: Any) -> None:
    with pytest.raises(ValueError, match="another model"):
        probe.score(HELD_OUT[:2], tiny_llama(tok, seed=7), tok)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.sampled_from("abcdefghij"), min_size=2, max_size=40).filter(
        lambda g: len(set(g)) >= 2
    ),
    folds=st.integers(2, 8),
)
def test_group_folds_never_put_a_task_on_both_sides(groups: list[str], folds: int) -> None:
    splits = group_folds(groups, folds)
    tested = []
    for train, test in splits:
        assert {groups[i] for i in train}.isdisjoint({groups[i] for i in test})
        tested.extend(test.tolist())
    assert sorted(tested) == list(range(len(groups)))  # every row is held out exactly once


def test_training_needs_two_tasks_two_labels_and_labels() -> None:
    rows = [ProbeRow(f"r{i}", "same-task", "p", "c", i % 2 == 0) for i in range(4)]
    acts = Activations("m", {(0, "mean"): np.random.default_rng(0).normal(size=(4, 3))})
    with pytest.raises(ValueError, match="at least 2 tasks"):
        train_probe(acts, rows, model="m")
    one_label = [ProbeRow(f"r{i}", f"t{i}", "p", "c", True) for i in range(4)]
    with pytest.raises(ValueError, match="both hack and honest"):
        train_probe(acts, one_label, model="m")
    unlabelled = [*one_label[:3], ProbeRow("r3", "t3", "p", "c", None)]
    with pytest.raises(ValueError, match=r"row 3 \(r3\) has no label"):
        train_probe(acts, unlabelled, model="m")


def test_the_layer_with_the_signal_is_chosen() -> None:
    rng = np.random.default_rng(1)
    rows = [ProbeRow(f"r{i}", f"t{i // 4}", "p", "c", i % 2 == 0) for i in range(80)]
    y = np.array([r.label for r in rows], float)
    noise = rng.normal(size=(80, 8))
    signal = rng.normal(size=(80, 8))
    signal[:, 0] += 3 * y
    acts = Activations("m", {(0, "mean"): noise, (3, "mean"): signal}, num_layers=4)
    probe = train_probe(acts, rows, model="m")
    assert probe.spec.layer == 3 and probe.spec.cv_auc > 0.9
    scores = probe.score_activations(acts)
    assert np.mean([s for s, r in zip(scores, rows, strict=True) if r.label]) > 0.8


def test_rollouts_score_like_their_rows(probe: Probe, lm: Any, tok: Any) -> None:
    from proctor.records import Rollout

    rows = HELD_OUT[:4]
    rollouts = [
        Rollout(
            id=r.id,
            task_id=r.task_id,
            prompt=r.prompt,
            **({"code": r.completion} if i % 2 else {"completion": r.completion}),
        )
        for i, r in enumerate(rows)
    ]
    assert probe.score(rollouts, lm, tok) == probe.score(rows, lm, tok)
