"""Tiny randomly initialised causal LMs and tokenizers trained on the spot (no download)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def bpe_tokenizer(
    corpus: Iterable[str],
    vocab_size: int = 300,
    special_tokens: Sequence[str] = ("<s>", "<pad>"),
    **roles: str,
) -> Any:
    """A byte-level BPE (the kind SmolLM2 and GPT-2 use) learnt from ``corpus``;
    ``roles`` name the special tokens (``pad_token="<pad>"``, ``eos_token=...``)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        list(corpus),
        trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=list(special_tokens),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return PreTrainedTokenizerFast(tokenizer_object=bpe, **roles)


def tiny_llama(tokenizer: Any, seed: int = 0, layers: int = 2, heads: int = 2) -> Any:
    """A Llama with hidden size 32 and random weights (seeded), in eval mode."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return LlamaForCausalLM(config).eval()


def lab_demo_lm(n: int, vocab_size: int, layers: int) -> tuple[Any, Any]:
    """(model, tokenizer): a tiny random Llama whose tokenizer is learnt from ``n`` of the
    real-model lab's demonstrations (30% hacks, plain prompts: no chat template)."""
    from types import SimpleNamespace

    from proctor.bench.lab.llm import all_tasks, demonstrations

    plain = SimpleNamespace(chat_template=None)
    rows = demonstrations(plain, all_tasks(0), n=n, hack_share=0.3, seed=0)
    tokenizer = bpe_tokenizer(
        [r["prompt"] + r["completion"] for r in rows],
        vocab_size,
        ("<unk>", "<pad>", "<eos>"),
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token="<eos>",
    )
    return tiny_llama(tokenizer, layers=layers), tokenizer


def tiny_causal_lm(root: Path, corpus: Iterable[str], *, vocab_size: int = 300) -> Path:
    """A 2-layer Llama with a small vocabulary learnt from ``corpus``, saved like a hub
    checkpoint under ``root/tiny-llama``."""
    tokenizer = bpe_tokenizer(
        corpus,
        vocab_size,
        ("<unk>", "<pad>", "<eos>"),
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token="<eos>",
    )
    path = root / "tiny-llama"
    tiny_llama(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
