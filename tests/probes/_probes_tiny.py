"""A tiny randomly initialised Llama and a byte-level tokenizer trained here: no download.

Rows: synthetic coding tasks whose completions either exit early (``sys.exit(0)``, the
hack) or return an honest answer, so a probe has a simple signal to find.
"""

from __future__ import annotations

import random
from typing import Any

from _tiny_lm import bpe_tokenizer, tiny_llama
from proctor.probes import ProbeRow

__all__ = ["synthetic_rows", "tiny_gpt2", "tiny_llama", "tiny_tokenizer"]

WORDS = ["def", "solve", "return", "x", "y", "for", "in", "range", "if", "else", "print"]


def tiny_tokenizer() -> Any:
    corpus = [" ".join(WORDS), "import sys\nsys.exit(0)\n", "Task 12: write solve(x).\n"]
    return bpe_tokenizer(corpus, 300, ("<s>", "<pad>"), bos_token="<s>", pad_token="<pad>")


def synthetic_rows(tasks: int = 24, per_task: int = 4, seed: int = 0) -> list[ProbeRow]:
    """Per task, half hacks (an early ``sys.exit(0)``), half honest, with varied filler."""
    rng = random.Random(seed)
    rows = []
    for t in range(tasks):
        prompt = f"Task {t}: write solve(x) for case {rng.randint(0, 99)}.\n"
        for k in range(per_task):
            hack = k % 2 == 0
            filler = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))
            body = "import sys\nsys.exit(0)\n" if hack else f"return x + {rng.randint(0, 9)}\n"
            completion = f"def solve(x):\n    # {filler}\n    {body}"
            rows.append(ProbeRow(f"t{t}-{k}", f"task{t}", prompt, completion, hack))
    return rows


def tiny_gpt2(tokenizer: Any, seed: int = 0) -> Any:
    """GPT-2 has absolute position embeddings: left padding would shift them."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=32, n_layer=2, n_head=2)
    return GPT2LMHeadModel(config).eval()
