"""Small helpers several proctor packages share: cache locations and Python literals."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    """``$PROCTOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/proctor`` or ``~/.cache/proctor``."""
    base = os.environ.get("PROCTOR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "proctor"
    )
    return Path(base)


def default_cache_dir() -> Path:
    """Where expected outputs (reference results) are cached: ``cache_root() / "expected"``."""
    return cache_root() / "expected"


def py_literal(value: Any) -> str:
    """Python source that evaluates to ``value`` (plain data, inf/nan and huge ints included)."""
    t = type(value)
    if value is None or t in (bool, str, bytes):
        return repr(value)
    if t is int:
        # repr of ints past 4300 digits raises (CVE-2020-10735 limit); hex has no limit
        return repr(value) if abs(value) < 10**1000 else hex(value)
    if t is float:
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if t is complex:
        return f"complex({py_literal(value.real)}, {py_literal(value.imag)})"
    if t is list:
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if t is tuple:
        items = ", ".join(py_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if t is dict:
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if t is set or t is frozenset:
        return f"{t.__name__}([{', '.join(py_literal(v) for v in value)}])"
    raise TypeError(f"cannot write a {t.__name__} as a Python literal")


def load_causal_lm(name: str | Path, *, tokenizer: bool = True) -> tuple[Any, Any]:
    """(model in eval mode, its tokenizer or ``None``) from a local model folder, a
    ``.gguf`` file (transformers dequantises its weights on load; needs ``gguf``), or a
    Hugging Face id already in the local cache.

    Never downloads (``local_files_only``): proctor runs where the network may be
    closed, and what reads a model (a probe, an audit, the implicit reward) must read the
    very model it names. The one loader the audits, probes, implicit reward and the lab
    share."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(name)
    kw: dict[str, Any] = {"local_files_only": True}
    where = str(name)
    if path.suffix == ".gguf":
        kw["gguf_file"] = path.name
        where = str(path.parent)
    model = AutoModelForCausalLM.from_pretrained(where, **kw)
    model.eval()  # type: ignore[no-untyped-call,unused-ignore]
    return model, AutoTokenizer.from_pretrained(where, **kw) if tokenizer else None


__all__ = ["cache_root", "default_cache_dir", "load_causal_lm", "py_literal"]
