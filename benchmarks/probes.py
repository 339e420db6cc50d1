"""Activation capture cost and a probe on a synthetic signal (proctor.probes), on CPU.

    python benchmarks/probes.py                          # tiny random Llama, built here
    python benchmarks/probes.py --model path/to/SmolLM2-135M-Instruct.Q4_1.gguf --reps 1

Writes benchmarks/results/probes[-<name>].md/.json. Per run, on the same rows: the cost
per row of a batched capture from cold (the baseline), of one-by-one capture, and of a
re-capture served by the on-disk cache (medians over ``--reps``, and their ratios to
the baseline); the largest difference between batched and one-by-one vectors; and a
probe trained on tasks 0..N·¾ and scored on the held-out rest. The label is a synthetic
signal (an early ``sys.exit(0)`` in the completion vs an honest return): it checks the
machinery end to end, it is not a hack-detection figure for a real policy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from proctor.probes import (
    ProbeRow,
    auc,
    capture_activations,
    load_model,
    model_fingerprint,
    train_probe,
)

WORDS = ["def", "solve", "return", "x", "y", "for", "in", "range", "if", "else", "print"]


def synthetic_rows(tasks: int, per_task: int = 4, seed: int = 0) -> list[ProbeRow]:
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


def tiny_model() -> tuple[Any, Any]:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator([" ".join(WORDS), "import sys\nsys.exit(0)\n"], trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>")
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        pad_token_id=tok.pad_token_id,
    )
    return LlamaForCausalLM(config).eval(), tok


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="A local model folder or .gguf file (default: tiny Llama).")
    ap.add_argument("--tasks", type=int, default=16, help="Synthetic tasks (4 rows each).")
    ap.add_argument("--layers", default="0,-1", help="Candidate blocks, comma-separated.")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--single", type=int, default=8, help="Rows captured one by one.")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared).")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()

    import sklearn
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    load_s, (model, tok) = _timed(lambda: load_model(args.model) if args.model else tiny_model())
    fp_s, ident = _timed(lambda: model_fingerprint(model, tok))
    layers = [int(x) for x in args.layers.split(",")]
    rows = synthetic_rows(args.tasks)
    kw: dict[str, Any] = {"layers": layers, "pooling": ["mean", "last"], "model_id": ident}

    batched, single, cached = [], [], []
    acts = one = None
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory() as cache:
            s, acts = _timed(
                lambda c=cache: capture_activations(
                    model, tok, rows, batch_size=args.batch_size, cache_dir=c, **kw
                )
            )
            batched.append(s / len(rows))
            s, hit = _timed(
                lambda c=cache: capture_activations(model, tok, rows, cache_dir=c, **kw)
            )
            assert hit.computed == 0
            cached.append(s / len(rows))
        s, one = _timed(
            lambda: capture_activations(model, tok, rows[: args.single], batch_size=1, **kw)
        )
        single.append(s / args.single)
    assert acts is not None and one is not None
    diff = max(float(np.abs(one[k] - acts[k][: args.single]).max()) for k in one.keys)
    scale = max(float(np.abs(acts[k]).max()) for k in acts.keys)

    cut = args.tasks * 3 // 4
    train_idx = [i for i, r in enumerate(rows) if int(r.task_id[4:]) < cut]
    test_idx = [i for i, r in enumerate(rows) if int(r.task_id[4:]) >= cut]
    train_acts = type(acts)(acts.model_id, {k: v[train_idx] for k, v in acts.values.items()})
    train_acts.num_layers = acts.num_layers
    probe = train_probe(
        train_acts, [rows[i] for i in train_idx], model=args.model or "tiny", folds=4
    )
    test_acts = type(acts)(acts.model_id, {k: v[test_idx] for k, v in acts.values.items()})
    test_acts.num_layers = acts.num_layers
    scores = np.array(probe.score_activations(test_acts))
    y = np.array([int(bool(rows[i].label)) for i in test_idx])

    med = {
        k: statistics.median(v)
        for k, v in (("batched", batched), ("single", single), ("cached", cached))
    }
    result = {
        "model": args.model or "tiny random Llama (2 blocks, hidden 32)",
        "rows": len(rows),
        "layers": layers,
        "batch_size": args.batch_size,
        "reps": args.reps,
        "torch_threads": args.threads,
        "load_s": round(load_s, 3),
        "fingerprint_s": round(fp_s, 3),
        "ms_per_row": {k: round(v * 1000, 3) for k, v in med.items()},
        "ratio_to_batched": {k: round(v / med["batched"], 4) for k, v in med.items()},
        "max_abs_diff_batched_vs_single": diff,
        "max_abs_activation": scale,
        "probe": {
            "layer": probe.spec.layer,
            "pooling": probe.spec.pooling,
            "cv_auc": probe.spec.cv_auc,
            "cv": [s.model_dump() for s in probe.spec.cv],
            "held_out_tasks": args.tasks - cut,
            "held_out_auc": auc(y, scores),
            "note": "synthetic signal (sys.exit in the completion), not a real-policy figure",
        },
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sklearn": sklearn.__version__,
        },
        "command": " ".join(["python", "benchmarks/probes.py", *sys.argv[1:]]),
        "commit": _commit(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    name = "probes" + (f"-{Path(args.model).stem}" if args.model else "")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    md = [
        f"# Activation capture and a synthetic probe: {result['model']}",
        "",
        f"`{result['command']}` — {len(rows)} rows, layers {layers}, mean+last pooling, "
        f"{args.threads} torch thread(s), medians over {args.reps} rep(s); "
        f"load {load_s:.1f} s, model fingerprint {fp_s:.2f} s; commit {result['commit'][:10]}, "
        f"load average {result['load_average']} (a shared machine: read the ratios).",
        "",
        "| capture | ms / row | × batched cold |",
        "|---|---|---|",
        *(
            f"| {label} | {result['ms_per_row'][k]:.2f} | {result['ratio_to_batched'][k]:.3f} |"
            for k, label in (
                ("batched", f"batched (batch {args.batch_size}), cold: baseline"),
                ("single", "one by one, cold"),
                ("cached", "batched, every vector from the cache"),
            )
        ),
        "",
        f"Largest |batched − one-by-one| over the vectors: {diff:.2e} "
        f"(largest activation magnitude {scale:.3g}).",
        "",
        f"Probe (synthetic `sys.exit` signal): layer {probe.spec.layer} ({probe.spec.pooling}), "
        f"task-grouped CV AUC {probe.spec.cv_auc:.3f}; held-out AUC on {args.tasks - cut} "
        f"unseen tasks {result['probe']['held_out_auc']:.3f}.",
        "",
    ]
    (args.out / f"{name}.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
