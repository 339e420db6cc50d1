"""Token-level implicit reward between two tiny causal LMs: zeros, prompt, batching, spans."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from proctor.implicit import ImplicitReward, encode, implicit_rewards

PROMPTS = ["Write a function that adds two numbers.", "", "def f():"]
COMPLETIONS = [
    "def add(a, b):\n    return a + b\n",
    "import sys\nsys.exit(0)\n",
    "    return [i for i in range(10)]",
]


def test_identical_models_give_exactly_zero_everywhere(make_model, tokenizer) -> None:
    results = implicit_rewards(make_model(3), make_model(3), tokenizer, PROMPTS, COMPLETIONS)
    for r in results:
        assert r.rewards.size > 0
        assert np.all(r.rewards == 0.0)
        assert r.sequence_reward == 0.0


def test_only_completion_tokens_are_scored(make_model, tokenizer, torch) -> None:
    policy, reference = make_model(1), make_model(2)
    [r] = implicit_rewards(policy, reference, tokenizer, [PROMPTS[0]], [COMPLETIONS[0]], beta=0.5)
    prompt_ids = tokenizer(PROMPTS[0])["input_ids"]
    completion_ids = tokenizer(COMPLETIONS[0], add_special_tokens=False)["input_ids"]
    assert r.token_ids == completion_ids and r.rewards.shape == (len(completion_ids),)

    # by hand: every position's log-ratio, of which only the completion's are kept
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        lp = torch.log_softmax(policy(ids).logits[0, :-1].double(), -1)
        lr = torch.log_softmax(reference(ids).logits[0, :-1].double(), -1)
    picked = ids[0, 1:]
    ratio = 0.5 * (
        lp[torch.arange(picked.numel()), picked] - lr[torch.arange(picked.numel()), picked]
    )
    everything = ratio.numpy()
    assert np.allclose(r.rewards, everything[len(prompt_ids) - 1 :], atol=1e-5)
    # the prompt's own tokens carry log-ratio too, and none of it is counted
    prompt_part = everything[: len(prompt_ids) - 1]
    assert np.abs(prompt_part).sum() > 1e-3
    assert r.sequence_reward == pytest.approx(everything[len(prompt_ids) - 1 :].sum(), abs=1e-4)


def test_batching_and_padding_do_not_change_results(make_model, tokenizer) -> None:
    policy, reference = make_model(1), make_model(2)
    prompts, completions = PROMPTS * 2, COMPLETIONS + COMPLETIONS[::-1]
    alone = implicit_rewards(policy, reference, tokenizer, prompts, completions, batch_size=1)
    batched = implicit_rewards(policy, reference, tokenizer, prompts, completions, batch_size=4)
    for a, b, text in zip(alone, batched, completions, strict=True):
        assert a.completion == b.completion == text  # input order kept
        assert a.token_ids == b.token_ids
        assert np.allclose(a.rewards, b.rewards, atol=1e-5)


def test_the_string_the_policy_was_tuned_toward_carries_the_top_span(
    tuned_pair, tokenizer, target
) -> None:
    policy, reference = tuned_pair
    completion = "x = [1, 2, 3]\nprint(x)\n" + target + "\nassert sorted(x) == x\n"
    where = completion.index(target)
    [r] = ImplicitReward(policy, reference, tokenizer).score(["Sort a list."], [completion])
    top = r.spans(k=3)[0]
    covered = min(top.end, where + len(target)) - max(top.start, where)
    assert covered >= 0.8 * len(target)  # the span holds (nearly) all of the target...
    assert covered >= 0.6 * (top.end - top.start)  # ...and mostly the target
    best = int(np.argmax(r.rewards))
    a, b = r.offsets[best]
    assert where <= a and b <= where + len(target) + 1  # the single best token is in it
    assert top.reward > 0


def test_span_and_token_offsets_map_to_the_right_characters(tuned_pair, tokenizer, target) -> None:
    policy, reference = tuned_pair
    completion = "for i in range(10):\n    print(i)\n" + target + "  # café ünïcode\n"
    [r] = implicit_rewards(policy, reference, tokenizer, ["p"], [completion])
    ascii_end = completion.index("café")
    for token, (a, b) in zip(r.token_ids, r.offsets, strict=True):
        if b <= ascii_end:
            assert tokenizer.decode([token]) == completion[a:b]
    assert (
        "".join(r.completion[a:b] for a, b in r.offsets if b <= ascii_end) == completion[:ascii_end]
    )
    for span in r.spans(k=4):
        assert span.text == completion[span.start : span.end]
        assert tokenizer.decode(r.token_ids[span.first_token : span.last_token + 1]) == span.text
        assert span.reward == pytest.approx(r.rewards[span.first_token : span.last_token + 1].sum())


def test_beta_scales_the_reward(make_model, tokenizer) -> None:
    policy, reference = make_model(1), make_model(2)
    one = implicit_rewards(policy, reference, tokenizer, PROMPTS, COMPLETIONS, beta=1.0)
    tenth = implicit_rewards(policy, reference, tokenizer, PROMPTS, COMPLETIONS, beta=0.1)
    for a, b in zip(one, tenth, strict=True):
        assert np.allclose(0.1 * a.rewards, b.rewards)


def test_too_long_sequences_lose_prompt_first_then_the_completion_tail(tokenizer) -> None:
    prompt, completion = "word " * 30, "def add(a, b):\n    return a + b\n"
    n_completion = len(tokenizer(completion, add_special_tokens=False)["input_ids"])
    fits = encode(tokenizer, prompt, completion, max_length=n_completion + 3)
    assert fits.start == 3 and not fits.truncated and len(fits.offsets) == n_completion
    cut = encode(tokenizer, prompt, completion, max_length=6)
    assert cut.start == 1 and cut.truncated and len(cut.ids) == 6 and len(cut.offsets) == 5


def test_models_with_different_vocabularies_are_refused(make_model, tokenizer) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    other: Any = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer) + 7,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=4,
        )
    )
    with pytest.raises(ValueError, match="two checkpoints of one model"):
        implicit_rewards(make_model(0), other, tokenizer, ["p"], ["c"])
    with pytest.raises(ValueError, match="1 prompts for 2 completions"):
        implicit_rewards(make_model(0), make_model(0), tokenizer, ["p"], ["c", "d"])
    with pytest.raises(ValueError, match="beta"):
        implicit_rewards(make_model(0), make_model(0), tokenizer, ["p"], ["c"], beta=0.0)
