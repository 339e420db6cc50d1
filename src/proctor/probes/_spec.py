"""A trained probe: its JSON spec, its weights, saving, loading and scoring.

A probe directory holds ``probe.json`` (the `ProbeSpec`: which model, layer and
pooling, how it was trained, the CV AUC of every candidate layer) and ``weights.npz``
(standardisation, linear weights, Platt calibration) as plain float64 arrays. Weights
are never pickled: loading a pickle from a user-supplied path runs whatever code it
holds, so ``np.load`` is called with ``allow_pickle=False``. The score is computed with
numpy from those arrays, the same way at training time and after loading, so a loaded
probe gives the very same scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from proctor.probes._capture import Activations, Pooling, Row, capture_activations

SPEC_FILE = "probe.json"
WEIGHTS_FILE = "weights.npz"
FORMAT = 1


class LayerScore(BaseModel):
    """How one (layer, pooling) candidate did in task-grouped cross-validation."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    layer: int
    """Decoder block (0-based)."""
    pooling: Pooling
    """How the completion's tokens were pooled."""
    auc: float
    """ROC AUC of the out-of-fold decision values pooled over the folds."""
    fold_aucs: list[float | None]
    """Each fold's AUC (``None`` where the fold's tasks hold one label only)."""


class ProbeSpec(BaseModel):
    """Everything that re-creates a probe with its weights, and how it was trained."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    format: int = FORMAT
    """Version of this spec's format."""
    model: str
    """How to load the model again: a local folder, or a Hugging Face id already in the
    local cache (never downloaded)."""
    model_id: str
    """The model's identity (`proctor.probes.model_fingerprint`): scoring with another
    model is refused."""
    layer: int
    """The decoder block read (0-based)."""
    pooling: Pooling
    """How the completion's tokens are pooled."""
    max_length: int
    """Tokens kept per row (prompt + completion, the end kept)."""
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    """The calibrated score above which the probe detector says ``hack``."""
    calibration: Literal["platt"] = "platt"
    """Platt scaling fitted on out-of-fold decision values."""
    c: float
    """Inverse L2 strength of the logistic regression."""
    folds: int
    """Cross-validation folds (by task)."""
    rows: int
    """Training rows."""
    positives: int
    """Training rows labelled hack."""
    tasks: int
    """Distinct tasks among the training rows."""
    rows_digest: str
    """Digest of the training rows (`proctor.probes.rows_digest`)."""
    cv: list[LayerScore]
    """The CV result of every candidate (layer, pooling)."""
    cv_auc: float
    """The chosen candidate's CV AUC (the best: slightly optimistic)."""
    sklearn_version: str
    numpy_version: str


def linear_decision(
    x: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float
) -> np.ndarray:
    """A standardised linear probe's decision values (float64, the same computation at
    training time, in cross-validation and after loading)."""
    z = (np.asarray(x, np.float64) - mean) / scale
    return np.asarray(z @ coef + intercept, np.float64)


@dataclass
class Probe:
    """A calibrated linear probe on one layer's pooled activations."""

    spec: ProbeSpec
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    platt: tuple[float, float]
    """Platt's (a, b): ``p = 1 / (1 + exp(-(a·decision + b)))``."""

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Uncalibrated decision values of pooled vectors ``x`` (rows × hidden)."""
        return linear_decision(x, self.mean, self.scale, self.coef, self.intercept)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities that each vector comes from a reward hack."""
        a, b = self.platt
        logit = np.clip(a * self.decision(x) + b, -500.0, 500.0)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), np.float64)

    def score_activations(self, activations: Activations) -> list[float]:
        """Calibrated scores from captured activations (they must hold this probe's
        layer and pooling, from the same model)."""
        if activations.model_id != self.spec.model_id:
            raise ValueError(self._other_model(activations.model_id))
        return [
            float(v) for v in self.probability(activations[(self.spec.layer, self.spec.pooling)])
        ]

    def score(
        self,
        rows: Sequence[Row],
        model: Any = None,
        tokenizer: Any = None,
        *,
        cache_dir: str | Path | None = None,
        batch_size: int = 8,
    ) -> list[float]:
        """Calibrated hack scores of ``rows`` ((prompt, completion) pairs or probe rows).

        Without ``model`` and ``tokenizer``, the spec's model is loaded from local files.
        A model whose identity differs from the one the probe was trained on is refused.
        """
        if model is None or tokenizer is None:
            model, tokenizer = load_model(self.spec.model)
        activations = capture_activations(
            model,
            tokenizer,
            rows,
            layers=[self.spec.layer],
            pooling=self.spec.pooling,
            batch_size=batch_size,
            cache_dir=cache_dir,
            max_length=self.spec.max_length,
        )
        return self.score_activations(activations)

    def _other_model(self, found: str) -> str:
        return (
            f"this probe was trained on {self.spec.model} (identity {self.spec.model_id[:12]}), "
            f"the activations come from another model (identity {found[:12]})"
        )

    def save(self, directory: str | Path) -> Path:
        """Write ``probe.json`` and ``weights.npz`` into ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        np.savez(
            out / WEIGHTS_FILE,
            mean=self.mean,
            scale=self.scale,
            coef=self.coef,
            intercept=np.array([self.intercept]),
            platt=np.array(self.platt),
        )
        (out / SPEC_FILE).write_text(self.spec.model_dump_json(indent=1) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Probe:
        """The probe saved in ``directory`` (no pickle is ever loaded)."""
        where = Path(directory)
        spec_path = where / SPEC_FILE
        if not spec_path.is_file():
            raise FileNotFoundError(
                f"{spec_path}: no probe spec here (train one: proctor probe train)"
            )
        spec = ProbeSpec.model_validate_json(spec_path.read_text(encoding="utf-8"))
        if spec.format > FORMAT:
            raise ValueError(
                f"{spec_path}: probe format {spec.format} is newer than this proctor's"
            )
        with np.load(where / WEIGHTS_FILE, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k], np.float64) for k in data.files}
        missing = {"mean", "scale", "coef", "intercept", "platt"} - set(arrays)
        if missing:
            raise ValueError(f"{where / WEIGHTS_FILE}: missing {', '.join(sorted(missing))}")
        dims = {arrays[k].shape for k in ("mean", "scale", "coef")}
        if len(dims) != 1 or len(next(iter(dims))) != 1 or arrays["platt"].shape != (2,):
            raise ValueError(f"{where / WEIGHTS_FILE}: weight shapes do not agree")
        a, b = (float(v) for v in arrays["platt"])
        if not all(math.isfinite(v) for v in (a, b, float(arrays["intercept"][0]))):
            raise ValueError(f"{where / WEIGHTS_FILE}: non-finite weights")
        return cls(
            spec,
            arrays["mean"],
            arrays["scale"],
            arrays["coef"],
            float(arrays["intercept"][0]),
            (a, b),
        )


def load_model(name: str) -> tuple[Any, Any]:
    """A causal LM and its tokenizer from a local folder, a ``.gguf`` file or the local
    Hugging Face cache (`proctor.common.load_causal_lm`: never downloads, so a probe
    reads the very model it was trained on)."""
    from proctor.common import load_causal_lm

    return load_causal_lm(name)


__all__ = [
    "SPEC_FILE",
    "WEIGHTS_FILE",
    "LayerScore",
    "Probe",
    "ProbeSpec",
    "linear_decision",
    "load_model",
]
