"""Detectors: per-rollout hack verdicts with a category, a confidence and evidence.

Look them up by name (`create_detector`, `detector_names`); run them over many
rollouts with `DetectionPipeline`, which combines them with the calibrated
`Ensemble`. Categories come from the taxonomy (`CATEGORIES`, `FAMILIES`); see
docs/detectors.md.

- ``static``: AST rules for every syntactic hack, robust to simple obfuscation;
- ``special_casing``: visible-test literals keyed on the inputs;
- ``differential``: nudged visible inputs run in the sandbox, plus the proxy−gold gap;
- ``transcript``: stated intent in reasoning, messages and agent commands;
- ``tamper``: the workspace grader's own tamper findings;
- ``group``: the odd one out of a GRPO group, when rewarded;
- ``llm_judge``: an OpenAI-compatible LLM judge, isolated or contrastive (off by default);
- ``probe``: a trained activation probe (`proctor.probes`) over the policy's own
  activations (needs the model: off by default).
"""

# importing the detectors registers them (`proctor.registry.DETECTORS`), in this order
from proctor.detectors import (  # noqa: F401
    _differential,
    _ensemble,
    _group,
    _llm_judge,
    _probe,
    _special_casing,
    _static,
    _tamper,
    _transcript,
)
from proctor.detectors._base import Detector, Input, Subject
from proctor.detectors._ensemble import FEATURES, WEIGHTS_FILE, Ensemble, fit, score
from proctor.detectors._pipeline import (
    GROUP_DETECTORS,
    Detection,
    DetectionPipeline,
    detect_all,
)
from proctor.detectors._registry import (
    create_detector,
    create_detector_from_spec,
    default_detectors,
    detector_names,
    register_detector,
)
from proctor.detectors._taxonomy import CATEGORIES, FAMILIES, Category, Family, category
from proctor.detectors._workspace_code import scan_files, workspace_diff

__all__ = [
    "CATEGORIES",
    "FAMILIES",
    "FEATURES",
    "GROUP_DETECTORS",
    "WEIGHTS_FILE",
    "Category",
    "Detection",
    "DetectionPipeline",
    "Detector",
    "Ensemble",
    "Family",
    "Input",
    "Subject",
    "category",
    "create_detector",
    "create_detector_from_spec",
    "default_detectors",
    "detect_all",
    "detector_names",
    "fit",
    "register_detector",
    "scan_files",
    "score",
    "workspace_diff",
]
