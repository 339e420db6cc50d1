"""A tiny randomly initialised Llama and a byte-level tokenizer trained here: no download.

Rows: synthetic coding tasks whose completions either exit early (``sys.exit(0)``, the
hack) or return an honest answer, so a probe has a simple signal to find.
"""

from __future__ import annotations

import random
from typing import Any

from proctor.probes import ProbeRow

WORDS = ["def", "solve", "return", "x", "y", "for", "in", "range", "if", "else", "print"]


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    corpus = [" ".join(WORDS), "import sys\nsys.exit(0)\n", "Task 12: write solve(x).\n"]
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", pad_token="<pad>")


def tiny_llama(tokenizer: Any, seed: int = 0, layers: int = 2) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    return LlamaForCausalLM(config).eval()


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
