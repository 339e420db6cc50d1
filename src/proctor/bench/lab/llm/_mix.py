"""Setting the starting hack rate: interpolate between an honest and a hack-heavy SFT.

A short SFT on demonstrations with a small hack share does not give a small hack rate
that is spread over the prompts: a weak SFT under-fits a rare choice (measured on
SmolLM2-135M, 2 epochs at 5e-5, top 4 layers: 2%, 6%, 12% and 50% hack shares gave the
demonstrated hack a probability of 1e-18, 3e-13, 3e-9 and 9e-5 on the RL prompts;
`benchmarks/lab_llm_start.py`), and a strong one (4 epochs at 2e-4, the default) at 1%
hacks puts most of its 0.7% mean on the few prompts the policy cannot answer honestly,
where GRPO finds the hack within two steps (docs/lab-llm.md). So hack knowledge is
imparted by SFT at a large share (``sft_hack_share``), and the starting policy is the
honest SFT moved a step α toward it, α chosen so that the mean probability the policy
gives the demonstrated hack on the RL prompts is ``start_hack_rate`` (weight
interpolation between fine-tunes of one base, as in model soups; past α = 1 it is
extrapolation along the hack "task vector"; at the default SFT, α = 0.47 gives 0.002 for
seed 0). Other hacks the policy might write are
not in that figure: the sampled starting rate is measured separately (``evaluate``)
and recorded.
"""

from __future__ import annotations

import math
from typing import Any

from proctor.bench.lab.llm._prompts import DEFAULT_HACK, hack_completion, render_prompt
from proctor.bench.lab.llm._tasks import LabTask


def hack_probability(
    model: Any, tokenizer: Any, tasks: list[LabTask], hack: str = DEFAULT_HACK
) -> float:
    """Mean over ``tasks`` of the probability of the demonstrated hack, EOS included."""
    import torch

    total = 0.0
    model.eval()
    for t in tasks:
        prompt = render_prompt(tokenizer, t)
        n_prompt = len(tokenizer(prompt)["input_ids"])
        ids = tokenizer(
            prompt + hack_completion(t, hack) + tokenizer.eos_token, return_tensors="pt"
        )
        ids = ids.to(model.device)
        with torch.no_grad():
            logits = model(**ids).logits[0, :-1]
        target = ids["input_ids"][0, 1:]
        logp = torch.log_softmax(logits.float(), -1)[torch.arange(len(target)), target]
        total += math.exp(float(logp[n_prompt - 1 :].sum()))
    return total / len(tasks)


def interpolate(target: Any, honest: dict[str, Any], hacky: dict[str, Any], alpha: float) -> None:
    """Set ``target``'s weights to ``honest + alpha * (hacky - honest)``."""
    import torch

    with torch.no_grad():
        mixed = {k: honest[k] + alpha * (hacky[k] - honest[k]) for k in honest}
        target.load_state_dict(mixed)


GRID = (0.5, 1.0, 1.5, 2.0, 2.5)
"""Coarse α grid: past α = 1 the step is extrapolated along the hack-knowledge direction
(a task vector); far past it the model breaks and the probability falls again."""


def calibrate(
    model: Any,
    tokenizer: Any,
    honest: dict[str, Any],
    hacky: dict[str, Any],
    tasks: list[LabTask],
    rate: float,
    iterations: int = 6,
    hack: str = DEFAULT_HACK,
) -> tuple[float, float]:
    """Choose α so that `hack_probability` ≈ ``rate``; leaves ``model`` at that α.

    The probability is not monotone in α (measured on SmolLM2-135M: 9e-5 at α = 1,
    8e-3 at 1.5, 1.6e-3 at 2, 2e-5 at 2.5, as extrapolation degrades the model), so the
    search brackets ``rate`` on the rising side of a coarse grid, then bisects in log
    probability. Returns (α, the probability at α); if no α on the grid reaches
    ``rate``, the grid's most likely α.
    """

    def at(alpha: float) -> float:
        interpolate(model, honest, hacky, alpha)
        return hack_probability(model, tokenizer, tasks, hack)

    lo, p_lo = 0.0, at(0.0)
    chosen = (lo, p_lo)
    bracket = None
    for alpha in GRID:
        p = at(alpha)
        if p > chosen[1]:
            chosen = (alpha, p)
        if p >= rate:
            bracket = (lo, alpha)
            break
        lo, p_lo = alpha, p
    if bracket is not None:
        lo, hi = bracket
        chosen = (hi, at(hi))
        for _ in range(iterations):
            mid = (lo + hi) / 2
            p = at(mid)
            if abs(math.log(p + 1e-30) - math.log(rate)) < abs(
                math.log(chosen[1] + 1e-30) - math.log(rate)
            ):
                chosen = (mid, p)
            if p > rate:
                hi = mid
            else:
                lo = mid
    interpolate(model, honest, hacky, chosen[0])
    return chosen
