"""Probes on a language model's activations: capture, train, calibrate, score.

`capture_activations` runs any Hugging Face causal LM over (prompt, completion) rows and
pools chosen layers over the completion's tokens (batched, cached on disk);
`train_probe` fits standardised logistic-regression probes per layer on labelled rows,
chooses the layer by cross-validation split by task, and calibrates it (Platt);
`Probe.save` / `Probe.load` keep it as a JSON spec and an ``.npz`` of weights (never a
pickle); `Probe.score` gives calibrated hack scores. The ``probe`` detector
(`proctor.detectors`) flags rollouts above the probe's threshold. torch, transformers
and scikit-learn are imported only when used (``pip install 'proctor[probes]'``).
See docs/probes.md.
"""

from proctor.probes._cache import CAPTURE_VERSION, ActivationCache
from proctor.probes._capture import (
    POOLINGS,
    Activations,
    HasText,
    Pooling,
    Row,
    capture_activations,
    decoder_layers,
    encode,
    resolve_layers,
    text_of,
)
from proctor.probes._identity import model_fingerprint, tokenizer_fingerprint
from proctor.probes._rows import (
    ProbeRow,
    parse_label,
    read_probe_rows,
    row_from_rollout,
    rows_digest,
)
from proctor.probes._spec import (
    SPEC_FILE,
    WEIGHTS_FILE,
    LayerScore,
    Probe,
    ProbeSpec,
    linear_decision,
    load_model,
)
from proctor.probes._train import (
    auc,
    check_training_rows,
    group_folds,
    out_of_fold,
    platt,
    train_probe,
)

__all__ = [
    "CAPTURE_VERSION",
    "POOLINGS",
    "SPEC_FILE",
    "WEIGHTS_FILE",
    "ActivationCache",
    "Activations",
    "HasText",
    "LayerScore",
    "Pooling",
    "Probe",
    "ProbeRow",
    "ProbeSpec",
    "Row",
    "auc",
    "capture_activations",
    "check_training_rows",
    "decoder_layers",
    "encode",
    "group_folds",
    "linear_decision",
    "load_model",
    "model_fingerprint",
    "out_of_fold",
    "parse_label",
    "platt",
    "read_probe_rows",
    "resolve_layers",
    "row_from_rollout",
    "rows_digest",
    "text_of",
    "tokenizer_fingerprint",
    "train_probe",
]
