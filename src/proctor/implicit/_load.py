"""Loading a checkpoint for the implicit reward: a local directory or a ``.gguf`` file.

Nothing is downloaded (``local_files_only``). Weights are cast to float32: a
log-ratio of two bfloat16 log-probabilities is mostly rounding noise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def load_checkpoint(path: Path, role: str, device: str = "cpu") -> tuple[Any, Any | None]:
    """``(model in eval mode, its tokenizer or None when the checkpoint has none)``.

    ``path`` is a checkpoint directory (``model.save_pretrained(DIR)``; with
    ``tokenizer.save_pretrained(DIR)`` for the policy) or a ``.gguf`` file, whose
    weights transformers dequantises (needs the ``gguf`` package)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw: dict[str, Any] = {"local_files_only": True}
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ValueError(f"{path}: no such GGUF file (the {role})")
        kw["gguf_file"] = path.name
        where, has_tokenizer = path.parent, True
    else:
        if not path.is_dir():
            raise ValueError(
                f"{path}: the {role} must be a model directory (save_pretrained) or a .gguf file"
            )
        if not (path / "config.json").is_file():
            raise ValueError(
                f"{path}: no config.json; the {role} must be a Hugging Face checkpoint "
                "directory (model.save_pretrained(DIR) and tokenizer.save_pretrained(DIR))"
            )
        where, has_tokenizer = path, any((path / n).is_file() for n in TOKENIZER_FILES)
    model: Any = AutoModelForCausalLM.from_pretrained(str(where), **kw)
    tokenizer = AutoTokenizer.from_pretrained(str(where), **kw) if has_tokenizer else None
    if not getattr(model, "is_quantized", False):  # GGUF weights arrive dequantised, fp32
        model = model.float()
    return model.to(device).eval(), tokenizer


__all__ = ["load_checkpoint"]
