"""Activation capture for any Hugging Face causal LM: chosen layers, pooled, batched, cached.

Each row is a (prompt, completion) pair. The prompt is tokenized as the model's own
tokenizer does it (special tokens such as BOS included), the completion without special
tokens, and the two id lists are joined, so the boundary is exact (tokenizing the joined
text could merge a token across it). Forward hooks on the decoder blocks read the
residual stream each chosen block writes; the forward pass stops at the deepest chosen
block (the later blocks and the vocabulary head are never computed). Only real
completion tokens are pooled: padding (left or right) and prompt tokens never enter a
completion pool, and position ids are passed explicitly so left padding does not shift
them. torch is imported inside the functions: the core package must import without it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

import numpy as np

from proctor.probes._cache import ActivationCache
from proctor.probes._identity import model_fingerprint

Pooling = Literal["mean", "last", "prompt_last"]
"""How a layer's per-token states become one vector: ``mean`` over the completion's
tokens, the ``last`` completion token, or the last prompt token (``prompt_last``: the
state just before the model writes its answer)."""
POOLINGS: tuple[Pooling, ...] = get_args(Pooling)


class HasText(Protocol):
    """Anything with the prompt the model saw and the completion it wrote."""

    @property
    def prompt(self) -> str | None: ...
    @property
    def completion(self) -> str | None: ...


Row = tuple[str, str] | HasText


@dataclass
class Activations:
    """Pooled vectors, one ``(rows, hidden)`` float32 array per (layer, pooling).

    Layers are block indices counted from 0 (negative ones given to `capture_activations`
    are resolved against the model's depth: ``-1`` is the last block).
    """

    model_id: str
    """The model's identity (`model_fingerprint`, unless the caller named it)."""
    values: dict[tuple[int, str], np.ndarray]
    computed: int = 0
    """Rows that needed a forward pass (the rest came from the cache)."""
    cached: int = 0
    """Rows served entirely from the cache."""
    num_layers: int = 0
    """The model's decoder blocks."""

    def __getitem__(self, key: tuple[int, str]) -> np.ndarray:
        layer, pooling = key
        if layer < 0:
            layer += self.num_layers
        return self.values[(layer, pooling)]

    @property
    def keys(self) -> list[tuple[int, str]]:
        return sorted(self.values)


@dataclass
class _Encoded:
    ids: list[int]
    n_prompt: int
    """Prompt tokens kept in ``ids`` (the completion follows them)."""
    index: int


def decoder_layers(model: Any) -> Any:
    """The model's list of decoder blocks (``model.layers``, ``transformer.h``...).

    Found as the first ``ModuleList`` as long as the config's layer count, so any causal
    LM architecture works without a table of names.
    """
    import torch

    config = getattr(model, "config", None)
    n = None
    for name in ("num_hidden_layers", "n_layer", "num_layers"):
        n = getattr(config, name, None)
        if isinstance(n, int):
            break
    for _, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and (n is None or len(module) == n):
            return module
    raise ValueError(f"cannot find the decoder blocks of {type(model).__name__}")


def resolve_layers(layers: Sequence[int], num_layers: int) -> list[int]:
    """``layers`` as sorted, distinct, non-negative block indices (``-1`` is the last)."""
    out = set()
    for layer in layers:
        if not -num_layers <= layer < num_layers:
            raise ValueError(f"layer {layer} is out of range: the model has {num_layers} blocks")
        out.add(layer % num_layers)
    if not out:
        raise ValueError("choose at least one layer")
    return sorted(out)


def text_of(row: Row) -> tuple[str, str]:
    """The (prompt, completion) of a row: a pair, or an object with ``prompt`` and
    ``completion`` (a `ProbeRow`, or a `proctor.records.Rollout`, whose ``code`` stands in
    when it has no ``completion``; a missing prompt is empty)."""
    if isinstance(row, tuple):
        prompt, completion = row
        return str(prompt), str(completion)
    text: Any = getattr(row, "completion", None)
    if text is None:
        text = getattr(row, "code", None)
    if text is None:
        raise ValueError("the row has no completion (or code)")
    return str(getattr(row, "prompt", None) or ""), str(text)


def encode(tokenizer: Any, prompt: str, completion: str, max_length: int) -> tuple[list[int], int]:
    """Token ids of prompt + completion and how many of them are the prompt's.

    Longer than ``max_length``: the leading tokens are cut (the completion is what is
    probed, so its end is kept).
    """
    p_ids = list(tokenizer(prompt, add_special_tokens=True)["input_ids"])
    c_ids = list(tokenizer(completion, add_special_tokens=False)["input_ids"])
    if not c_ids:
        raise ValueError("the completion has no tokens")
    ids = p_ids + c_ids
    cut = max(0, len(ids) - max_length)
    return ids[cut:], max(0, len(p_ids) - cut)


def capture_activations(
    model: Any,
    tokenizer: Any,
    rows: Sequence[Row],
    layers: Sequence[int] = (-1,),
    pooling: Pooling | Sequence[Pooling] = ("mean", "last"),
    batch_size: int = 8,
    cache_dir: str | Path | None = None,
    *,
    max_length: int = 2048,
    model_id: str | None = None,
    padding_side: Literal["left", "right"] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Activations:
    """Pooled activations of ``model`` on each row's completion, at each chosen layer.

    ``rows``: (prompt, completion) pairs or objects with ``prompt`` and ``completion``.
    ``layers``: decoder block indices (negative from the end). ``pooling``: one or more of
    `POOLINGS`. Rows go through the model ``batch_size`` at a time, padded on
    ``padding_side`` (default: the tokenizer's own); the result does not depend on it.
    With ``cache_dir``, each vector is stored under a digest of (model identity, layer,
    pooling, prompt, completion, ``max_length``); a row whose vectors are all cached is
    not run again. ``model_id`` overrides the computed identity (`model_fingerprint`).
    ``progress(done, total)`` is called after each batch.
    """
    import torch

    poolings = [pooling] if isinstance(pooling, str) else list(dict.fromkeys(pooling))
    for p in poolings:
        if p not in POOLINGS:
            raise ValueError(f"unknown pooling {p!r}: choose {', '.join(POOLINGS)}")
    blocks = decoder_layers(model)
    chosen = resolve_layers(layers, len(blocks))
    ident = model_id or model_fingerprint(model, tokenizer)
    texts = []
    for i, r in enumerate(rows):
        try:
            texts.append(text_of(r))
        except ValueError as exc:
            raise ValueError(f"row {i}: {exc}") from exc
    cache = ActivationCache(cache_dir) if cache_dir is not None else None
    hidden = _hidden_size(model)
    values: dict[tuple[int, str], np.ndarray] = {
        (lay, p): np.zeros((len(texts), hidden), np.float32) for lay in chosen for p in poolings
    }

    todo: list[int] = []
    for i, (prompt, completion) in enumerate(texts):
        if cache is None:
            todo.append(i)
            continue
        found = {}
        for key in values:
            vec = cache.get(cache.key(ident, key[0], key[1], prompt, completion, max_length))
            if vec is None or vec.shape != (hidden,):
                break
            found[key] = vec
        if len(found) < len(values):
            todo.append(i)
            continue
        for key, vec in found.items():
            values[key][i] = vec

    encoded = []
    for i in todo:
        try:
            ids, n_prompt = encode(tokenizer, *texts[i], max_length)
        except ValueError as exc:
            raise ValueError(f"row {i}: {exc}") from exc
        encoded.append(_Encoded(ids, n_prompt, i))
    # similar lengths together: less padding, fewer wasted positions
    encoded.sort(key=lambda e: (len(e.ids), e.index))
    side = padding_side or getattr(tokenizer, "padding_side", None) or "right"
    pad_id = _pad_id(tokenizer)
    device = next(model.parameters()).device
    for start in range(0, len(encoded), max(1, batch_size)):
        batch = encoded[start : start + max(1, batch_size)]
        with torch.no_grad():
            pooled = _run_batch(model, blocks, chosen, poolings, batch, side, pad_id, device)
        for key, matrix in pooled.items():
            for row, enc in enumerate(batch):
                values[key][enc.index] = matrix[row]
                if cache is not None:
                    prompt, completion = texts[enc.index]
                    cache.put(
                        cache.key(ident, key[0], key[1], prompt, completion, max_length),
                        matrix[row],
                    )
        if progress is not None:
            progress(min(start + len(batch), len(encoded)), len(encoded))
    return Activations(
        ident, values, computed=len(todo), cached=len(texts) - len(todo), num_layers=len(blocks)
    )


_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _model_lock(model: Any) -> threading.Lock:
    """One lock per model: hooks are registered on the model's blocks for one pass, and
    a second thread's pass over the same model would fire them too."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.Lock()
        return lock


class _Stop(Exception):
    """Raised by the deepest hook: nothing after it is needed."""


def _run_batch(
    model: Any,
    blocks: Any,
    chosen: list[int],
    poolings: list[Pooling],
    batch: list[_Encoded],
    side: str,
    pad_id: int,
    device: Any,
) -> dict[tuple[int, str], np.ndarray]:
    import torch

    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    completion = torch.zeros((len(batch), width), dtype=torch.bool)
    last = torch.zeros(len(batch), dtype=torch.long)
    prompt_last = torch.zeros(len(batch), dtype=torch.long)
    for row, enc in enumerate(batch):
        n = len(enc.ids)
        offset = width - n if side == "left" else 0
        ids[row, offset : offset + n] = torch.tensor(enc.ids)
        mask[row, offset : offset + n] = 1
        completion[row, offset + enc.n_prompt : offset + n] = True
        last[row] = offset + n - 1
        prompt_last[row] = offset + max(0, enc.n_prompt - 1)
    # positions count real tokens only, so a left-padded row sees the positions it
    # would see alone (some models derive them from the cache position otherwise)
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    captured: dict[int, Any] = {}
    deepest = max(chosen)

    def hook_for(layer: int) -> Callable[..., None]:
        def hook(_module: Any, _args: Any, output: Any) -> None:
            captured[layer] = output[0] if isinstance(output, tuple) else output
            if layer == deepest:
                raise _Stop

        return hook

    with _model_lock(model):
        handles = [blocks[layer].register_forward_hook(hook_for(layer)) for layer in chosen]
        try:
            model(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                position_ids=positions.to(device),
                use_cache=False,
            )
        except _Stop:
            pass
        finally:
            for handle in handles:
                handle.remove()
    rows = torch.arange(len(batch))
    keep = completion.unsqueeze(-1)
    count = completion.sum(dim=1, keepdim=True).clamp(min=1).float()
    out: dict[tuple[int, str], np.ndarray] = {}
    for layer in chosen:
        states = captured[layer].detach().float().cpu()
        for p in poolings:
            if p == "mean":
                # where, not multiply: a padded position may hold NaN on some kernels
                vec = torch.where(keep, states, torch.zeros(())).sum(dim=1) / count
            elif p == "last":
                vec = states[rows, last]
            else:
                vec = states[rows, prompt_last]
            out[(layer, p)] = vec.numpy().astype(np.float32)
    return out


def _pad_id(tokenizer: Any) -> int:
    for name in ("pad_token_id", "eos_token_id", "bos_token_id"):
        value = getattr(tokenizer, name, None)
        if isinstance(value, int):
            return value
    return 0  # any id: padded positions are masked out and never pooled


def _hidden_size(model: Any) -> int:
    config = model.config
    for name in ("hidden_size", "n_embd", "d_model"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    raise ValueError(f"cannot tell the hidden size of {type(model).__name__}")


__all__ = [
    "POOLINGS",
    "Activations",
    "HasText",
    "Pooling",
    "Row",
    "capture_activations",
    "decoder_layers",
    "encode",
    "resolve_layers",
    "text_of",
]
