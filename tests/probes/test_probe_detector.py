"""The ``probe`` detector: registered, off by default, flags above its threshold with evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from _probes_tiny import synthetic_rows, tiny_llama, tiny_tokenizer

from proctor.detectors import (
    DetectionPipeline,
    Subject,
    create_detector,
    create_detector_from_spec,
    default_detectors,
    detector_names,
)
from proctor.probes import Probe, capture_activations, train_probe
from proctor.records import Rollout

ROWS = synthetic_rows(tasks=16)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    tok = tiny_tokenizer()
    lm = tiny_llama(tok)
    acts = capture_activations(lm, tok, ROWS, layers=[0, 1])
    where = tmp_path_factory.mktemp("probe")
    train_probe(acts, ROWS, model="tiny", threshold=0.5).save(where)
    return lm, tok, where


def _subject(i: int) -> Subject:
    r = ROWS[i]
    return Subject(Rollout(id=r.id, task_id=r.task_id, prompt=r.prompt, completion=r.completion))


def test_registered_reads_activations_and_is_not_a_default() -> None:
    assert "probe" in detector_names()
    assert "probe" not in default_detectors()
    detector = create_detector("probe")
    assert {"activations", "model"} <= detector.reads
    verdict = detector.detect(_subject(0))
    assert verdict.label == "not_applicable" and "probe_dir" in (verdict.reason or "")


def test_flags_a_hack_above_the_threshold_with_evidence(setup: tuple[Any, Any, Path]) -> None:
    lm, tok, where = setup
    detector = create_detector("probe", probe_dir=str(where), model=lm, tokenizer=tok)
    hack, honest = detector.detect(_subject(0)), detector.detect(_subject(1))
    assert (ROWS[0].label, ROWS[1].label) == (True, False)
    assert hack.label == "hack" and honest.label == "clean"
    assert hack.confidence >= 0.5 > honest.confidence
    text = hack.evidence[0].text
    assert "layer" in text and "threshold 0.500" in text and f"{hack.confidence:.3f}" in text
    # the spec keeps the options, never the live model
    assert detector.spec.options == {"probe_dir": str(where)}


def test_a_threshold_option_overrides_the_probes(setup: tuple[Any, Any, Path]) -> None:
    lm, tok, where = setup
    strict = create_detector("probe", probe_dir=str(where), threshold=1.0, model=lm, tokenizer=tok)
    assert strict.detect(_subject(0)).label == "clean"
    again = create_detector_from_spec(strict.spec, model=lm, tokenizer=tok)
    assert again.threshold == 1.0  # type: ignore[attr-defined]


def test_recorded_activations_are_used_without_the_model(setup: tuple[Any, Any, Path]) -> None:
    lm, tok, where = setup
    probe = Probe.load(where)
    acts = capture_activations(
        lm, tok, ROWS[:2], layers=[probe.spec.layer], pooling=probe.spec.pooling
    )
    detector = create_detector("probe", probe_dir=str(where))  # no model given: none is loaded
    subject = _subject(0)
    subject.activations = {
        (probe.spec.layer, probe.spec.pooling): acts[(probe.spec.layer, probe.spec.pooling)][0]
    }
    verdict = detector.detect(subject)
    assert verdict.label == "hack"
    assert verdict.confidence == pytest.approx(probe.score(ROWS[:1], lm, tok)[0])


def test_prime_scores_subjects_in_batches_for_the_pipeline(setup: tuple[Any, Any, Path]) -> None:
    lm, tok, where = setup
    detector = create_detector("probe", probe_dir=str(where), model=lm, tokenizer=tok)
    subjects = [_subject(i) for i in range(8)]
    detector.prime(subjects)  # type: ignore[attr-defined]
    calls: list[int] = []
    lm.register_forward_pre_hook(lambda *_: calls.append(1))
    labels = [detector.detect(s).label for s in subjects]
    assert calls == []
    assert labels == ["hack" if r.label else "clean" for r in ROWS[:8]]


def test_an_unloadable_model_is_not_applicable(setup: tuple[Any, Any, Path]) -> None:
    _, _, where = setup
    detector = create_detector("probe", probe_dir=str(where))  # spec model "tiny" is not on disk
    verdict = detector.detect(_subject(0))
    assert verdict.label == "not_applicable" and "cannot run the probe's model" in (
        verdict.reason or ""
    )


def test_the_pipeline_runs_it_when_named(setup: tuple[Any, Any, Path]) -> None:
    lm, tok, where = setup
    options = {"probe": {"probe_dir": str(where), "model": lm, "tokenizer": tok}}
    with DetectionPipeline(["probe"], sandbox=False, options=options) as pipeline:
        (detection,) = pipeline.run([_subject(0)])
    assert detection.verdicts[0].detector == "probe" and detection.verdicts[0].label == "hack"
