"""Prompt + completion as token ids, with each completion token's character offsets.

The prompt and the completion are tokenized *separately* and concatenated, as RL
trainers do when they score a sampled completion: the completion's tokens are then
exactly its own, the boundary never merges a prompt character into a completion
token, and every completion token maps back to a character range of the completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Encoded:
    """One (prompt, completion) pair as the models see it."""

    ids: list[int]
    """Context tokens then completion tokens."""
    start: int
    """Index in ``ids`` of the first completion token (≥ 1: every scored token has a
    context to be predicted from)."""
    offsets: list[tuple[int, int]]
    """Per completion token kept, its ``[start, end)`` character range in the completion."""
    truncated: bool
    """Whether completion tokens were cut to fit ``max_length``."""


def _context_token(tokenizer: Any) -> int:
    for name in ("bos_token_id", "eos_token_id"):
        token = getattr(tokenizer, name, None)
        if isinstance(token, int):
            return token
    raise ValueError(
        "an empty prompt needs a BOS or EOS token to predict the first completion token "
        "from, and this tokenizer has neither: give each rollout a prompt"
    )


def encode(tokenizer: Any, prompt: str, completion: str, max_length: int) -> Encoded:
    """Token ids of ``prompt`` (with the tokenizer's own special tokens) + ``completion``.

    An empty prompt becomes the BOS (else EOS) token. Too long for ``max_length``:
    the prompt loses tokens from its start (down to one), then the completion loses
    its end (``truncated``)."""
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2, got {max_length}")
    context = list(tokenizer(prompt, add_special_tokens=True)["input_ids"]) if prompt else []
    if not context:
        context = [_context_token(tokenizer)]
    enc = tokenizer(completion, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    offsets = [(int(a), int(b)) for a, b in enc["offset_mapping"]]
    if len(offsets) != len(ids):
        raise ValueError("the tokenizer returned no character offsets: use a fast tokenizer")
    truncated = False
    overflow = len(context) + len(ids) - max_length
    if overflow > 0:
        cut = min(overflow, len(context) - 1)
        context = context[cut:]
        overflow -= cut
    if overflow > 0:
        ids, offsets, truncated = ids[: len(ids) - overflow], offsets[: len(ids) - overflow], True
    return Encoded(ids=context + ids, start=len(context), offsets=offsets, truncated=truncated)


__all__ = ["Encoded", "encode"]
