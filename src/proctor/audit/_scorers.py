"""Scorers a live audit can call. Each is ``score(prompt, response) -> float``.

- `SequenceClassifierScorer`: a Hugging Face sequence-classification reward model;
- `CausalPRMScorer`: a process reward model read Math-Shepherd-style, P(good token)
  at a tag after each step, aggregated (min by default);
- `ImplicitRewardScorer`: β·(log π(y|x) − log π_ref(y|x)) from a policy and its reference;
- `LogprobJudgeScorer`: a causal LM asked whether the solution is correct, scored
  log P("Yes") − log P("No");
- `OpenAIJudgeScorer`: any OpenAI-compatible chat endpoint asked for a 1–10 grade;
- `CallableScorer`: any Python function.

torch and transformers are imported only by the model-backed scorers (the ``audit``
extra); models are passed in already loaded, so nothing here downloads anything.
"""

from __future__ import annotations

import json
import math
import re
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

JUDGE_PROMPT = (
    "Problem:\n{problem}\n\nProposed solution:\n{response}\n\n"
    "Is the proposed solution correct? Answer Yes or No.\nAnswer:"
)
GRADE_PROMPT = (
    "Grade the proposed solution to the problem from 1 (wrong) to 10 (fully "
    "correct). Reply with the number only.\n\nProblem:\n{problem}\n\n"
    "Proposed solution:\n{response}"
)


class Scorer(Protocol):
    """Anything with a name and ``score(prompt, response) -> float``."""

    name: str

    def score(self, prompt: str, response: str) -> float: ...


class CallableScorer:
    """Wrap ``fn(prompt, response) -> float``."""

    def __init__(self, fn: Callable[[str, str], float], name: str = "callable") -> None:
        self.fn, self.name = fn, name

    def score(self, prompt: str, response: str) -> float:
        return float(self.fn(prompt, response))


def _device(model: Any) -> Any:
    return next(model.parameters()).device


class SequenceClassifierScorer:
    """A reward model with a sequence-classification head: the logit of label 0 when it
    has one label, else logit(label 1) − logit(label 0)."""

    def __init__(
        self, model: Any, tokenizer: Any, name: str = "reward-model", max_length: int = 2048
    ) -> None:
        self.model, self.tokenizer, self.name, self.max_length = model, tokenizer, name, max_length

    def score(self, prompt: str, response: str) -> float:
        import torch

        enc = self.tokenizer(
            prompt + "\n\n" + response,
            return_tensors="pt",
            truncation=True,
            max_length=self.max_length,
        ).to(_device(self.model))
        with torch.no_grad():
            logits = self.model(**enc).logits[0].float()
        return float(logits[0] if logits.numel() == 1 else logits[1] - logits[0])


def sequence_logprob(
    model: Any, tokenizer: Any, prompt: str, response: str, max_length: int = 2048
) -> float:
    """Σ log p(response tokens | prompt) under a causal LM (prompt tokens not counted)."""
    import torch

    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r_ids = tokenizer(response, add_special_tokens=False)["input_ids"]
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    ids = (bos + p_ids + r_ids)[-max_length:]
    n_resp = min(len(r_ids), len(ids) - 1)
    x = torch.tensor([ids], device=_device(model))
    with torch.no_grad():
        logits = model(x).logits[0, :-1].float()
    logp = torch.log_softmax(logits, dim=-1)
    target = x[0, 1:]
    picked = logp[torch.arange(target.numel()), target]
    return float(picked[-n_resp:].sum()) if n_resp > 0 else 0.0


class ImplicitRewardScorer:
    """The implicit reward of a policy against its reference (DPO's reward):
    ``β·(log π(y|x) − log π_ref(y|x))``. Both models share the tokenizer."""

    def __init__(
        self,
        policy: Any,
        reference: Any,
        tokenizer: Any,
        beta: float = 0.1,
        name: str = "implicit-reward",
        reference_prompt: str | None = None,
    ) -> None:
        self.policy, self.reference, self.tokenizer = policy, reference, tokenizer
        self.beta, self.name = beta, name
        self.reference_prompt = reference_prompt
        """When set, the reference sees this prompt instead of the problem (with the
        policy as its own reference and ``""`` here, the reward is β·PMI(x; y))."""

    def score(self, prompt: str, response: str) -> float:
        ref_prompt = prompt if self.reference_prompt is None else self.reference_prompt
        lp = sequence_logprob(self.policy, self.tokenizer, prompt + "\n\n", response)
        lr = sequence_logprob(self.reference, self.tokenizer, ref_prompt + "\n\n", response)
        return self.beta * (lp - lr)


def _first_token(tokenizer: Any, text: str) -> int:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise ValueError(f"the tokenizer maps {text!r} to no token")
    return int(ids[0])


class LogprobJudgeScorer:
    """A causal LM as a judge: log P(" Yes") − log P(" No") after `JUDGE_PROMPT`
    (wrapped in the tokenizer's chat template when it has one)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str = "logprob-judge",
        template: str = JUDGE_PROMPT,
        chat: bool = True,
    ) -> None:
        self.model, self.tokenizer, self.name, self.template = model, tokenizer, name, template
        self.chat = chat and getattr(tokenizer, "chat_template", None) is not None
        self.yes = _first_token(tokenizer, " Yes" if not self.chat else "Yes")
        self.no = _first_token(tokenizer, " No" if not self.chat else "No")

    def score(self, prompt: str, response: str) -> float:
        import torch

        text = self.template.format(problem=prompt, response=response)
        if self.chat:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
            )
        ids = self.tokenizer(text, add_special_tokens=not self.chat)["input_ids"]
        x = torch.tensor([ids], device=_device(self.model))
        with torch.no_grad():
            logp = torch.log_softmax(self.model(x).logits[0, -1].float(), dim=-1)
        return float(logp[self.yes] - logp[self.no])


class CausalPRMScorer:
    """A PRM read the Math-Shepherd way: after each step a ``tag`` token, and the step's
    score is P(good) / (P(good) + P(bad)) at that position; the solution's score is
    the ``aggregate`` (min by default, the PURE view) of its step scores."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        good: str,
        bad: str,
        tag: str = "\n\n",
        aggregate: Callable[[Sequence[float]], float] = min,
        name: str = "prm",
    ) -> None:
        self.model, self.tokenizer, self.tag = model, tokenizer, tag
        self.good, self.bad = _first_token(tokenizer, good), _first_token(tokenizer, bad)
        self.aggregate, self.name = aggregate, name

    def step_scores(self, prompt: str, steps: Sequence[str]) -> list[float]:
        import torch

        ids: list[int] = list(
            self.tokenizer(prompt + "\n\n", add_special_tokens=False)["input_ids"]
        )
        marks = []
        for step in steps:
            ids += self.tokenizer(step + self.tag, add_special_tokens=False)["input_ids"]
            marks.append(len(ids) - 1)
        x = torch.tensor([ids], device=_device(self.model))
        with torch.no_grad():
            logits = self.model(x).logits[0].float()
        pair = torch.softmax(logits[marks][:, [self.good, self.bad]], dim=-1)[:, 0]
        return [float(v) for v in pair]

    def score(self, prompt: str, response: str) -> float:
        steps = [s for s in response.split("\n\n") if s.strip()]
        return float(self.aggregate(self.step_scores(prompt, steps)))


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class OpenAIJudgeScorer:
    """An OpenAI-compatible ``/chat/completions`` endpoint asked for a 1–10 grade; the
    first number in the reply is the score (NaN when there is none)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        name: str | None = None,
        template: str = GRADE_PROMPT,
        timeout: float = 60.0,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.template, self.timeout = model, api_key, template, timeout
        self.name = name or f"judge:{model}"

    def score(self, prompt: str, response: str) -> float:
        body = json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "max_tokens": 8,
                "messages": [
                    {
                        "role": "user",
                        "content": self.template.format(problem=prompt, response=response),
                    }
                ],
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as reply:
            data = json.loads(reply.read(1 << 20))
        try:
            text = str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"{self.url}: not a chat completion reply") from exc
        m = _NUMBER.search(text)
        return float(m.group()) if m else math.nan


def load_causal_lm(path: Path) -> tuple[Any, Any]:
    """A causal LM and its tokenizer from a local folder or a ``.gguf`` file
    (`proctor.common.load_causal_lm`). Never downloads."""
    from proctor.common import load_causal_lm as load

    return load(path)


KINDS = ("reward-model", "prm", "implicit", "logprob-judge", "openai-judge")


def build_scorer(
    kind: str,
    model: str,
    *,
    reference: Path | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    good: str = "+",
    bad: str = "-",
    beta: float = 0.1,
) -> Scorer:
    """A scorer of ``kind`` (one of `KINDS`) from a local model path (or, for
    ``openai-judge``, a model name at ``base_url``). ``implicit`` without a reference
    uses the policy itself with an empty reference prompt: β·PMI."""
    name = Path(model).name
    if kind == "openai-judge":
        if not base_url:
            raise ValueError("openai-judge needs a base URL")
        return OpenAIJudgeScorer(base_url, model, api_key)
    if kind == "reward-model":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        rm = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True)
        tok = AutoTokenizer.from_pretrained(model, local_files_only=True)
        return SequenceClassifierScorer(rm.eval(), tok, name=name)
    if kind not in KINDS:
        raise ValueError(f"unknown scorer kind {kind!r}: choose {', '.join(KINDS)}")
    lm, tok = load_causal_lm(Path(model))
    if kind == "prm":
        return CausalPRMScorer(lm, tok, good, bad, name=name)
    if kind == "logprob-judge":
        return LogprobJudgeScorer(lm, tok, name=name)
    ref = load_causal_lm(reference)[0] if reference else lm
    return ImplicitRewardScorer(
        lm, ref, tok, beta, name=name, reference_prompt=None if reference else ""
    )


__all__ = [
    "GRADE_PROMPT",
    "JUDGE_PROMPT",
    "KINDS",
    "CallableScorer",
    "CausalPRMScorer",
    "ImplicitRewardScorer",
    "LogprobJudgeScorer",
    "OpenAIJudgeScorer",
    "Scorer",
    "SequenceClassifierScorer",
    "build_scorer",
    "load_causal_lm",
    "sequence_logprob",
]
