"""Token-level implicit reward: ``β·(log π_θ(y_t | x, y_<t) − log π_ref(y_t | x, y_<t))``.

A policy tuned from a reference by KL-regularised RL (or DPO) is, at the optimum,
``π_θ ∝ π_ref · exp(r/β)``: the log-ratio of the two is the reward the policy acts
as if it were maximising, up to a per-prompt constant. Summed over a completion's
tokens it is a sequence reward (DPO's implicit reward); per token it says *where*
in the completion the reward was found (an implicit process reward).

Only completion tokens are scored; the prompt is context. Sequences are batched
with right padding, so a real token's position and the tokens it attends to are
the same as when it is scored alone (padding comes after it and the attention is
causal): batching and padding do not change the result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proctor.implicit._spans import Span, top_spans
from proctor.implicit._tokens import Encoded, encode


@dataclass
class TokenRewards:
    """One completion's implicit reward, token by token."""

    completion: str
    """The completion as scored."""
    token_ids: list[int]
    """Its tokens (those kept within ``max_length``)."""
    offsets: list[tuple[int, int]]
    """Per token, its ``[start, end)`` character range in ``completion``."""
    rewards: np.ndarray
    """Per token, ``β·(log π_θ − log π_ref)`` (float64)."""
    policy_logprobs: np.ndarray
    """Per token, ``log π_θ(y_t | …)``."""
    reference_logprobs: np.ndarray
    """Per token, ``log π_ref(y_t | …)``."""
    beta: float = 1.0
    """The β the rewards were scaled by."""
    truncated: bool = False
    """Whether tokens past ``max_length`` were left unscored."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Free metadata (the CLI keeps the rollout id here)."""

    @property
    def sequence_reward(self) -> float:
        """The implicit reward of the whole completion: the sum over its tokens."""
        return float(self.rewards.sum())

    @property
    def mean_reward(self) -> float:
        """Per-token mean (NaN for an empty completion): comparable across lengths."""
        return float(self.rewards.mean()) if self.rewards.size else math.nan

    def spans(self, k: int = 3, *, max_tokens: int | None = None) -> list[Span]:
        """The ``k`` spans carrying the most reward (`top_spans`)."""
        return top_spans(self.rewards, self.offsets, self.completion, k, max_tokens=max_tokens)

    def token_texts(self) -> list[str]:
        """Each token's text, cut from the completion by its offsets."""
        return [self.completion[a:b] for a, b in self.offsets]


def _device(model: Any) -> Any:
    return next(model.parameters()).device


def _vocab_size(model: Any) -> int:
    return int(model.get_output_embeddings().weight.shape[0])


def _token_logprobs(model: Any, batch: list[Encoded]) -> list[np.ndarray]:
    """log p(token | everything before it) of each completion token, per sequence."""
    import torch

    width = max(len(e.ids) for e in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        ids[row, : len(e.ids)] = torch.tensor(e.ids, dtype=torch.long)
        mask[row, : len(e.ids)] = 1
    device = _device(model)
    with torch.inference_mode():
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        logits = logits[:, :-1].float()
        target = ids[:, 1:].to(device)
        picked = logits.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        logp = (picked - torch.logsumexp(logits, dim=-1)).double().cpu().numpy()
    # the token at position p is predicted from position p − 1
    return [logp[row, e.start - 1 : len(e.ids) - 1].copy() for row, e in enumerate(batch)]


def check_pair(policy: Any, reference: Any, tokenizer: Any) -> None:
    """Refuse two models that cannot be compared token by token."""
    vp, vr = _vocab_size(policy), _vocab_size(reference)
    if vp != vr:
        raise ValueError(
            f"the policy has {vp} output tokens and the reference {vr}: the implicit reward "
            "needs two checkpoints of one model (the policy and the model it was tuned from)"
        )
    if len(tokenizer) > vp:
        raise ValueError(
            f"the tokenizer has {len(tokenizer)} tokens but the models only {vp}: "
            "is it the policy's tokenizer?"
        )


def implicit_rewards(
    policy: Any,
    reference: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    completions: Sequence[str],
    *,
    beta: float = 1.0,
    batch_size: int = 4,
    max_length: int = 2048,
) -> list[TokenRewards]:
    """The token-level implicit reward of each completion given its prompt.

    ``policy`` and ``reference`` are Hugging Face causal LMs (already loaded, in eval
    mode) that share ``tokenizer`` (a fast tokenizer: offsets are needed). Sequences
    are scored ``batch_size`` at a time, longest first; the results come back in
    input order. See `TokenRewards`.
    """
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts for {len(completions)} completions")
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    if not math.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta must be a positive number, got {beta}")
    check_pair(policy, reference, tokenizer)
    encoded = [
        encode(tokenizer, p or "", c or "", max_length)
        for p, c in zip(prompts, completions, strict=True)
    ]
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].ids))
    out: list[TokenRewards | None] = [None] * len(encoded)
    for at in range(0, len(order), batch_size):
        rows = order[at : at + batch_size]
        batch = [encoded[i] for i in rows]
        lp = _token_logprobs(policy, batch)
        lr = _token_logprobs(reference, batch)
        for i, e, p, r in zip(rows, batch, lp, lr, strict=True):
            out[i] = TokenRewards(
                completion=completions[i] or "",
                token_ids=e.ids[e.start :],
                offsets=e.offsets,
                rewards=beta * (p - r),
                policy_logprobs=p,
                reference_logprobs=r,
                beta=beta,
                truncated=e.truncated,
            )
    return [t for t in out if t is not None]


class ImplicitReward:
    """A policy, its reference and their tokenizer: `score` gives `TokenRewards`."""

    def __init__(self, policy: Any, reference: Any, tokenizer: Any, beta: float = 1.0) -> None:
        check_pair(policy, reference, tokenizer)
        self.policy, self.reference, self.tokenizer, self.beta = policy, reference, tokenizer, beta

    @classmethod
    def from_pretrained(
        cls, policy: str | Path, reference: str | Path, *, beta: float = 1.0, device: str = "cpu"
    ) -> ImplicitReward:
        """Load both checkpoints (never downloads; float32): each a Hugging Face
        checkpoint directory or a ``.gguf`` file (dequantised on load; needs ``gguf``).

        The tokenizer is the policy's; a reference that brings a tokenizer of its own
        must have the same vocabulary."""
        from proctor.implicit._load import load_checkpoint

        policy_model, tokenizer = load_checkpoint(Path(policy), "policy", device)
        if tokenizer is None or not getattr(tokenizer, "is_fast", False):
            raise ValueError(f"{policy}: the policy needs a fast tokenizer (for offsets)")
        reference_model, other = load_checkpoint(Path(reference), "reference", device)
        if other is not None and other.get_vocab() != tokenizer.get_vocab():
            raise ValueError(
                f"{policy} and {reference} have different tokenizers: the implicit reward "
                "compares two checkpoints of one model"
            )
        return cls(policy_model, reference_model, tokenizer, beta)

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        *,
        batch_size: int = 4,
        max_length: int = 2048,
    ) -> list[TokenRewards]:
        """`implicit_rewards` with this pair."""
        return implicit_rewards(
            self.policy,
            self.reference,
            self.tokenizer,
            prompts,
            completions,
            beta=self.beta,
            batch_size=batch_size,
            max_length=max_length,
        )


__all__ = ["ImplicitReward", "TokenRewards", "check_pair", "implicit_rewards"]
