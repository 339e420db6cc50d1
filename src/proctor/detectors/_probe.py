"""The probe detector: a trained activation probe's calibrated score against a threshold.

It reads the policy's activations, so it needs the model the probe was trained on: not
in the default set. Activations come from the subject when a caller recorded them
(``Subject.activations``: a mapping ``(layer, pooling) -> vector``, or the score `prime`
left there), else the detector runs the model itself (loaded once, from
local files only, or passed in as the ``model`` and ``tokenizer`` resources).
`ProbeDetector.prime` captures many subjects in batches first; the activation cache
makes a re-run free either way.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from proctor.common import cache_root
from proctor.detectors._base import Detector, Subject
from proctor.detectors._registry import register_detector
from proctor.probes import Probe, ProbeRow, row_from_rollout
from proctor.records import Evidence, Verdict


@register_detector(
    "probe",
    "a trained linear probe on the policy's activations, calibrated, against a threshold "
    "(needs the model; off by default)",
    default=False,
)
class ProbeDetector(Detector):
    """Flags a rollout whose calibrated probe score reaches the threshold."""

    name = "probe"
    reads = frozenset({"activations", "model"})

    def __init__(
        self,
        probe_dir: str | None = None,
        threshold: float | None = None,
        cache_dir: str | None = None,
        batch_size: int = 8,
        model: Any = None,
        tokenizer: Any = None,
    ) -> None:
        super().__init__()
        self.probe_dir = probe_dir
        self.probe = Probe.load(probe_dir) if probe_dir else None
        self.threshold = (
            threshold if threshold is not None else self.probe.spec.threshold if self.probe else 0.5
        )
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root() / "activations"
        self.batch_size = batch_size
        self.model, self.tokenizer = model, tokenizer
        self._lock = threading.Lock()
        # where `prime` leaves this probe's scores on a subject (another probe detector
        # may leave its own beside them)
        self._key = ("probe_score", str(Path(probe_dir).resolve()) if probe_dir else "")

    def _loaded(self) -> tuple[Any, Any]:
        assert self.probe is not None
        with self._lock:  # the pipeline may run detectors on several threads
            if self.model is None or self.tokenizer is None:
                from proctor.probes import load_model

                self.model, self.tokenizer = load_model(self.probe.spec.model)
            return self.model, self.tokenizer

    def _rows(self, subjects: Sequence[Subject]) -> list[ProbeRow]:
        return [row_from_rollout(s.rollout, s.task) for s in subjects]

    def prime(self, subjects: Sequence[Subject]) -> None:
        """Score ``subjects`` in batches and leave each score on its subject, so that
        `detect` needs no forward pass of its own."""
        if self.probe is None or not subjects:
            return
        model, tokenizer = self._loaded()
        scores = self.probe.score(
            self._rows(subjects),
            model,
            tokenizer,
            cache_dir=self.cache_dir,
            batch_size=self.batch_size,
        )
        for subject, score in zip(subjects, scores, strict=True):
            subject.activations = {**_as_dict(subject.activations), self._key: score}

    def _score(self, subject: Subject) -> float:
        assert self.probe is not None
        recorded = _as_dict(subject.activations)
        if isinstance(recorded.get(self._key), float):
            return float(recorded[self._key])
        key = (self.probe.spec.layer, self.probe.spec.pooling)
        if key in recorded:
            vector = np.asarray(recorded[key], np.float64).reshape(1, -1)
            return float(self.probe.probability(vector)[0])
        model, tokenizer = self._loaded()
        (score,) = self.probe.score(
            self._rows([subject]), model, tokenizer, cache_dir=self.cache_dir, batch_size=1
        )
        return score

    def _detect(self, subject: Subject) -> Verdict:
        if self.probe is None:
            return self.not_applicable(subject, "no probe (set probe_dir to a trained probe)")
        try:
            score = self._score(subject)
        except (OSError, ImportError) as exc:
            return self.not_applicable(subject, f"cannot run the probe's model: {exc}")
        except ValueError as exc:
            return self.not_applicable(subject, f"cannot probe this rollout: {exc}")
        spec = self.probe.spec
        evidence = [
            Evidence(
                kind="note",
                text=(
                    f"probe score {score:.3f} vs threshold {self.threshold:.3f} "
                    f"(layer {spec.layer}, {spec.pooling} pooling, CV AUC {spec.cv_auc:.3f})"
                ),
            )
        ]
        if score >= self.threshold:
            return self.verdict(subject, "hack", None, score, evidence)
        verdict = self.verdict(subject, "clean", evidence=evidence)
        verdict.confidence = score
        return verdict


def _as_dict(value: Any) -> dict[Any, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


__all__ = ["ProbeDetector"]
