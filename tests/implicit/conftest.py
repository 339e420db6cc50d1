"""Tiny randomly initialised causal LMs and a tokenizer built here: nothing is downloaded."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from _tiny_lm import bpe_tokenizer, tiny_llama

NEEDS = "the implicit reward needs torch and transformers: pip install 'proctor[implicit]'"

CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "import sys\nsys.exit(0)\n",
    "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n",
    "for i in range(10):\n    print(i)\n",
    "x = [1, 2, 3]\nassert sorted(x) == x\n",
    "Write a function that adds two numbers.",
]
TARGET = "sys.exit(0)"


@pytest.fixture(scope="session")
def torch() -> Any:
    """torch, limited to one thread (the machine is shared; tiny models need no more)."""
    module = pytest.importorskip("torch", reason=NEEDS)
    pytest.importorskip("transformers", reason=NEEDS)
    module.set_num_threads(1)
    return module


@pytest.fixture(scope="session")
def tokenizer(torch: Any) -> Any:
    """A byte-level BPE (the kind SmolLM2 and GPT-2 use), trained on a few lines of code."""
    return bpe_tokenizer(
        CORPUS * 20,
        320,
        ("<pad>", "<s>", "</s>"),
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
    )


@pytest.fixture(scope="session")
def make_model(tokenizer: Any, torch: Any) -> Callable[[int], Any]:
    """``make_model(seed)``: a 2-layer Llama with hidden size 32, random weights, eval mode."""

    def make(seed: int = 0) -> Any:
        return tiny_llama(tokenizer, seed, heads=4)

    return make


def finetune(reference: Any, tokenizer: Any, target: str, steps: int = 30) -> Any:
    """A copy of ``reference`` trained a few steps to write ``target`` after varied contexts
    (loss on the target's tokens only), as RL would push a policy toward a hack."""
    import torch

    policy = copy.deepcopy(reference).train()
    optimiser = torch.optim.Adam(policy.parameters(), lr=2e-2)
    contexts = ["import os\n", "def f():\n    ", "x = [1, 2]\n", "print(x)\n", "for i in x:\n    "]
    target_ids = tokenizer(target, add_special_tokens=False)["input_ids"]
    for _ in range(steps):
        for context in contexts:
            ctx = [
                tokenizer.bos_token_id,
                *tokenizer(context, add_special_tokens=False)["input_ids"],
            ]
            ids = torch.tensor([ctx + target_ids])
            labels = ids.clone()
            labels[0, : len(ctx)] = -100
            loss = policy(input_ids=ids, labels=labels).loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return policy.eval()


@pytest.fixture(scope="session")
def target() -> str:
    """The string the tuned policy was pushed toward (an early exit)."""
    return TARGET


@pytest.fixture(scope="session")
def tuned_pair(make_model: Callable[[int], Any], tokenizer: Any) -> tuple[Any, Any]:
    """``(policy, reference)``: the reference fine-tuned toward `TARGET`."""
    reference = make_model(0)
    return finetune(reference, tokenizer, TARGET), reference
