"""How hack knowledge reaches the real-model lab's starting policy (docs/lab-llm.md).

For SFTs with several hack shares, the mean probability the SFT'd SmolLM2-135M gives the
demonstrated hack on the RL prompts; then the same along the line from the honest SFT
(share 0) to the hack-knowledge SFT (share 0.5), α = 0.5 … 2.5. SFT checkpoints are
trained once and cached (`--cache`; ~8–13 min each on 2 loaded cores the first time).
Writes benchmarks/results/lab-llm-start.md|json:

    python benchmarks/lab_llm_start.py --cache ~/.cache/proctor/lab-llm
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SHARES = (0.02, 0.06, 0.12, 0.5)
ALPHAS = (0.5, 1.0, 1.5, 2.0, 2.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args()

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from proctor.bench.lab.llm import LLMLabConfig, all_tasks, split
    from proctor.bench.lab.llm._mix import hack_probability, interpolate
    from proctor.bench.lab.llm._recipe import sft_checkpoint

    config = LLMLabConfig(seed=args.seed)
    _, rl = split(all_tasks(args.seed), args.seed)
    work = Path(tempfile.mkdtemp(prefix="lab-llm-start-"))

    def load(share: float) -> tuple[object, object]:
        path = sft_checkpoint(config, share, args.cache, work)
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True)
        return model, tokenizer

    by_share = {}
    for share in SHARES:
        model, tokenizer = load(share)
        by_share[share] = hack_probability(model, tokenizer, rl)
        print(f"share {share}: {by_share[share]:.3g}", flush=True)
    model, tokenizer = load(0.0)
    honest = {k: v.clone() for k, v in model.state_dict().items()}  # type: ignore[attr-defined]
    hacky_model, _ = load(config.sft_hack_share)
    hacky = hacky_model.state_dict()  # type: ignore[attr-defined]
    by_alpha = {}
    for alpha in ALPHAS:
        interpolate(model, honest, hacky, alpha)
        by_alpha[alpha] = hack_probability(model, tokenizer, rl)
        print(f"alpha {alpha}: {by_alpha[alpha]:.3g}", flush=True)
    command = f"python benchmarks/lab_llm_start.py --cache {args.cache} --seed {args.seed}"
    result = {"rl_tasks": len(rl), "by_share": by_share, "by_alpha": by_alpha, "command": command}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lab-llm-start.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        "# The real-model lab's starting policy: where the hack probability comes from",
        "",
        f"Mean probability of the demonstrated hack (token for token, EOS included) over the "
        f"{len(rl)} RL prompts of seed {args.seed}. Command: `{command}`.",
        "",
        "| SFT hack share | " + " | ".join(f"{s:g}" for s in SHARES) + " |",
        "|---|" + "---|" * len(SHARES),
        "| P(hack) | " + " | ".join(f"{by_share[s]:.2g}" for s in SHARES) + " |",
        "",
        f"| α (honest SFT → share-{config.sft_hack_share:g} SFT) | "
        + " | ".join(f"{a:g}" for a in ALPHAS)
        + " |",
        "|---|" + "---|" * len(ALPHAS),
        "| P(hack) | " + " | ".join(f"{by_alpha[a]:.2g}" for a in ALPHAS) + " |",
    ]
    (args.out / "lab-llm-start.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
