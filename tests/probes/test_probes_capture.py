"""Activation capture on a tiny random Llama: pooling, padding, batching, the cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from _probes_tiny import synthetic_rows, tiny_gpt2, tiny_llama, tiny_tokenizer

from proctor.probes import ActivationCache, capture_activations, encode


@pytest.fixture(scope="module")
def tok() -> Any:
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def lm(tok: Any) -> Any:
    return tiny_llama(tok)


ROWS = [(r.prompt, r.completion) for r in synthetic_rows(tasks=3, per_task=2)]


def _calls(model: Any) -> list[int]:
    calls: list[int] = []
    model.register_forward_pre_hook(lambda *_: calls.append(1))
    return calls


def test_mean_pool_is_the_mean_over_completion_tokens_only(lm: Any, tok: Any) -> None:
    import torch

    prompt, completion = ROWS[0]
    ids, n_prompt = encode(tok, prompt, completion, 2048)
    with torch.no_grad():
        states = lm(torch.tensor([ids]), output_hidden_states=True).hidden_states[1][0]
    acts = capture_activations(lm, tok, [ROWS[0]], layers=[0], pooling=["mean", "last"])
    assert n_prompt > 1 and len(ids) > n_prompt
    np.testing.assert_allclose(acts[(0, "mean")][0], states[n_prompt:].mean(0).numpy(), atol=1e-5)
    np.testing.assert_allclose(acts[(0, "last")][0], states[-1].numpy(), atol=1e-5)
    # the whole-sequence mean (prompt included) is a different vector
    assert not np.allclose(acts[(0, "mean")][0], states.mean(0).numpy(), atol=1e-3)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_padding_next_to_a_long_row_does_not_change_the_vector(
    tok: Any, side: str, arch: str
) -> None:
    lm = tiny_llama(tok) if arch == "llama" else tiny_gpt2(tok)
    short = ("Q", "return x")
    long = ("A much longer prompt " * 8, "def solve(x):\n    return x + 1\n" * 3)
    alone = capture_activations(lm, tok, [short], layers=[0, 1], pooling=["mean", "last"])
    padded = capture_activations(
        lm, tok, [short, long], layers=[0, 1], pooling=["mean", "last"], padding_side=side
    )
    for key in alone.keys:
        np.testing.assert_allclose(padded[key][0], alone[key][0], atol=1e-5)


def test_batched_equals_one_by_one(lm: Any, tok: Any) -> None:
    kw: dict[str, Any] = {"layers": [-1], "pooling": ["mean", "last", "prompt_last"]}
    batched = capture_activations(lm, tok, ROWS, batch_size=4, padding_side="left", **kw)
    single = capture_activations(lm, tok, ROWS, batch_size=1, **kw)
    assert batched.keys == [(1, "last"), (1, "mean"), (1, "prompt_last")]
    for key in batched.keys:
        np.testing.assert_allclose(batched[key], single[key], atol=1e-5)


def test_a_cache_hit_does_not_run_the_model(lm: Any, tok: Any, tmp_path: Path) -> None:
    first = capture_activations(lm, tok, ROWS, layers=[0, 1], cache_dir=tmp_path)
    again_model = tiny_llama(tok)  # a fresh copy with the same weights: the same identity
    calls = _calls(again_model)
    again = capture_activations(again_model, tok, ROWS, layers=[0, 1], cache_dir=tmp_path)
    assert (first.computed, again.computed, again.cached) == (len(ROWS), 0, len(ROWS))
    assert calls == []
    for key in first.keys:
        np.testing.assert_array_equal(first[key], again[key])


def test_another_model_misses_the_cache(tok: Any, tmp_path: Path) -> None:
    capture_activations(tiny_llama(tok, seed=0), tok, ROWS, cache_dir=tmp_path)
    other = tiny_llama(tok, seed=1)
    calls = _calls(other)
    acts = capture_activations(other, tok, ROWS, cache_dir=tmp_path)
    assert acts.computed == len(ROWS) and calls


def test_a_new_layer_computes_only_what_is_missing(lm: Any, tok: Any, tmp_path: Path) -> None:
    capture_activations(lm, tok, ROWS[:2], layers=[0], cache_dir=tmp_path)
    acts = capture_activations(lm, tok, ROWS, layers=[0], cache_dir=tmp_path)
    assert (acts.cached, acts.computed) == (2, len(ROWS) - 2)


def test_a_corrupt_cache_file_is_a_miss(tmp_path: Path) -> None:
    cache = ActivationCache(tmp_path)
    key = cache.key("m", 0, "mean", "p", "c", 8)
    cache.put(key, np.ones(4))
    cache.path(key).write_bytes(b"not a numpy file")
    assert cache.get(key) is None


def test_stops_after_the_deepest_chosen_layer(tok: Any) -> None:
    model = tiny_llama(tok, layers=2)
    ran: list[int] = []
    model.model.layers[1].register_forward_pre_hook(lambda *_: ran.append(1))
    model.lm_head.register_forward_pre_hook(lambda *_: ran.append(2))
    capture_activations(model, tok, ROWS[:1], layers=[0])
    assert ran == []


def test_bad_layers_and_empty_completions_are_named(lm: Any, tok: Any) -> None:
    with pytest.raises(ValueError, match="layer 5 is out of range"):
        capture_activations(lm, tok, ROWS, layers=[5])
    with pytest.raises(ValueError, match="row 1: the completion has no tokens"):
        capture_activations(lm, tok, [ROWS[0], ("p", "")])


def test_proctor_imports_without_torch() -> None:
    code = (
        "import sys; import proctor.probes, proctor.detectors, proctor.cli; "
        "heavy = {'torch', 'transformers', 'sklearn'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_sharing_a_model_get_their_own_layers(lm: Any, tok: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    alone = {layer: capture_activations(lm, tok, ROWS, layers=[layer]) for layer in (0, 1)}
    with ThreadPoolExecutor(4) as pool:
        runs = list(
            pool.map(
                lambda n: (n % 2, capture_activations(lm, tok, ROWS, layers=[n % 2], batch_size=1)),
                range(8),
            )
        )
    for layer, acts in runs:
        assert acts.keys == [(layer, "last"), (layer, "mean")]
        np.testing.assert_allclose(acts[(layer, "mean")], alone[layer][(layer, "mean")], atol=1e-5)


def test_the_fingerprint_follows_in_place_weight_changes(tok: Any) -> None:
    import torch

    from proctor.probes import model_fingerprint

    model = tiny_llama(tok)
    before = model_fingerprint(model, tok)
    assert model_fingerprint(model, tok) == before == model_fingerprint(tiny_llama(tok), tok)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)  # what an optimiser step does
    assert model_fingerprint(model, tok) != before
