"""Report cards for every shipped scorer: 31 RewardMATH files and the two ProcessBench PRMs.

    python benchmarks/audit_scores.py [--shared ../shared/data] [--cards build/audit]

Runs `proctor.audit.audit_scores` (the same code as ``proctor audit scores``) on both
sources, writes the HTML/JSON cards under ``--cards`` and the tables docs/audit.md
quotes to benchmarks/results/audit-scores.md/.json. Calibration folds and bootstrap
draws are seeded: a rerun reproduces the figures. Exits with a message when the
shared data is missing.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

from proctor.audit import audit_scores

REPO = Path(__file__).resolve().parents[1]


def _pct(v: Any, d: int = 2) -> str:
    return "–" if v is None or v != v else f"{100 * v:.{d}f}"


def _num(v: Any, d: int = 3) -> str:
    return "–" if v is None or v != v else f"{v:.{d}f}"


def _probe(probes: dict[str, Any], name: str) -> str:
    p = probes.get(name)
    if not p:
        return "–"
    mark = " **flag**" if p["flagged"] else ""
    return f"{p['effect']:+.2f} [{p['ci'][0]:+.2f}, {p['ci'][1]:+.2f}]{mark}"


def rewardmath_md(cards: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## RewardMATH: 31 score files, 483 problems × 10 solutions",
        "",
        "Accuracy: the correct solution strictly above all nine incorrect ones (ties are "
        "misses; RewardMATH's `eval.py` definition); MRR with ties ranked pessimistically; "
        "PRMs aggregated by min. Best-of-n drop: gold at the peak n minus gold at n = 10 "
        "(exact best-of-n). Biases: probes whose interval excludes 0 with a material "
        "effect (steps: within-problem rank correlation of score and number of steps "
        "among the nine incorrect solutions; generator: spread of mean within-problem "
        "score z across the generators of incorrect solutions).",
        "",
        "| scorer | kind | accuracy % (95% CI) | MRR | AUROC | best-of-n peak n / drop | "
        "steps ρ | generator spread (SD) | suggested |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in sorted(cards, key=lambda c: -(c["one_vs_rest"] or {}).get("accuracy", 0)):
        a, b = c["one_vs_rest"], c["best_of_n"]
        probes = {p["feature"]: p for p in c["biases"]}

        lines.append(
            f"| {c['scorer']} | {c['kind']} | {_pct(a['accuracy'])} "
            f"({_pct(a['accuracy_ci'][0], 1)}–{_pct(a['accuracy_ci'][1], 1)}) | "
            f"{_num(a['mrr'])} | "
            f"{_num(c['agreement'].get('auroc'))} | {b['peak_n']} / {_num(b['drop_from_peak'])} | "
            f"{_probe(probes, 'steps')} | {_probe(probes, 'generator')} | "
            f"{', '.join(sorted({s['transform'] for s in c['suggestions']})) or '–'} |"
        )
    return lines


def processbench_md(cards: list[dict[str, Any]]) -> list[str]:
    lines = ["## ProcessBench: two 7B PRMs on 3,400 trajectories", ""]
    lines += [
        "| PRM | F1 @0.5 pooled | F1 @0.5 split average | GSM8K | MATH | OlympiadBench | "
        "Omni-MATH | detection P / R / F1 | AUROC (min) vs final answer | wrong answers "
        "> 0.9 (min) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cards:
        fe, by = c["first_error"], c["first_error"]["by_split"]
        w = c["wrong_answers"] or {}
        lines.append(
            f"| {c['scorer']} | {_pct(fe['f1'], 1)} | {_pct(fe['split_average_f1'], 1)} | "
            + " | ".join(
                _pct(by[s]["f1"], 1) for s in ("gsm8k", "math", "olympiadbench", "omnimath")
            )
            + f" | {_num(fe['precision'])} / {_num(fe['recall'])} / {_num(fe['detection_f1'])} | "
            f"{_num(c['agreement'].get('auroc'))} | {_pct(w.get('share_wrong_above'), 1)}% |"
        )
    lines += [
        "",
        "### Aggregations side by side",
        "",
        "| PRM | aggregate | AUROC vs final answer | mean reward, wrong answers | "
        "share of wrong answers > 0.9 | corr. with #steps |",
        "|---|---|---|---|---|---|",
    ]
    for c in cards:
        for how, a in c["aggregations"].items():
            lines.append(
                f"| {c['scorer']} | {how} | {_num(a.get('auroc'))} | "
                f"{_num(a['mean_wrong'])} | {_num(a['share_wrong_above'])} | "
                f"{_num(a.get('corr_steps'))} |"
            )
    lines += [
        "",
        "### Bias probes",
        "",
        "| PRM | probe | effect [95% CI] | flagged |",
        "|---|---|---|---|",
    ]
    for c in cards:
        for p in c["biases"]:
            lines.append(
                f"| {c['scorer']} | {p['probe']} ({p['kind']}) | {p['effect']:+.3f} "
                f"[{p['ci'][0]:+.3f}, {p['ci'][1]:+.3f}] | "
                f"{'yes' if p['flagged'] else 'no'} |"
            )
    lines += [
        "",
        "### Calibrated prefix values (5-fold cross-fitting by problem; every "
        "trajectory scored by a calibration that never saw its problem)",
        "",
        "| PRM | values | ECE | first-error F1 (pooled) | GSM8K | MATH | OlympiadBench | "
        "Omni-MATH | split average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cards:
        cal = c["calibration"]
        for k, v in cal["first_error"].items():
            e = cal["ece"].get(k, cal["ece"]["raw"] if k.startswith("raw") else None)
            splits = [cal["by_split"][s][k] for s in ("gsm8k", "math", "olympiadbench", "omnimath")]
            lines.append(
                f"| {c['scorer']} | {k} | {_num(e)} | {_pct(v['f1'], 1)} | "
                + " | ".join(_pct(x, 1) for x in splits)
                + f" | {_pct(sum(splits) / len(splits), 1)} |"
            )
    lines += [
        "",
        "### The suggested transforms, run on the same scores",
        "",
        "| PRM | transform | read-out | before | after | note |",
        "|---|---|---|---|---|---|",
    ]
    for c in cards:
        for m in c.get("mitigations", []):
            if "error" in m:
                continue
            for k, v in m["before"].items():
                lines.append(
                    f"| {c['scorer']} | {m['transform']} | {k} | {_num(v)} | "
                    f"{_num(m['after'].get(k))} | {m['note']} |"
                )
    return lines


def rewardmath_mitigations_md(cards: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "### The suggested transforms, run on the same scores",
        "",
        "Accuracy and best-of-n gold at n = 10 before → after; the ensemble is UWO over "
        "all 31 files' standardised scores (so it is the same ensemble for every scorer).",
        "",
        "| scorer | transform | accuracy | best-of-n gold (n=10) | targeted bias |",
        "|---|---|---|---|---|",
    ]
    for c in cards:
        for m in c.get("mitigations", []):
            if "error" in m:
                continue
            b, a = m["before"], m["after"]
            bias = next((k for k in b if k.startswith("bias")), None)
            lines.append(
                f"| {c['scorer']} | {m['transform']} | {_num(b['accuracy'])} → "
                f"{_num(a['accuracy'])} | {_num(b['bon_gold_max_n'])} → "
                f"{_num(a['bon_gold_max_n'])} | "
                + (f"{bias}: {_num(b[bias])} → {_num(a.get(bias))}" if bias else "–")
                + " |"
            )
    return lines


def render(data: dict[str, Any], reps: int, cards: Path) -> str:
    lines = [
        "# Audit report cards of the shipped scores",
        "",
        f"Command: `{data['command']}` (the same as `proctor audit scores rewardmath "
        "../shared/data/rewardmath` and `proctor audit scores processbench "
        f"../shared/data/prm-biasbench/processbench.parquet`); {reps} bootstrap "
        f"replicates per bias interval; {data['seconds']} s on {platform.machine()}, "
        f"Python {platform.python_version()}. HTML cards: `{cards.name}/`.",
        "",
    ]
    lines += [
        *processbench_md(data["processbench"]),
        "",
        *rewardmath_md(data["rewardmath"]),
        *rewardmath_mitigations_md(data["rewardmath"]),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--cards", type=Path, default=REPO / "build" / "audit")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument(
        "--render-only",
        action="store_true",
        help="re-render the markdown from an existing audit-scores.json",
    )
    args = ap.parse_args()
    if args.render_only:
        data = json.loads((args.out / "audit-scores.json").read_text())
        (args.out / "audit-scores.md").write_text(render(data, args.reps, args.cards))
        return
    rm, pb = args.shared / "rewardmath", args.shared / "prm-biasbench" / "processbench.parquet"
    for p in (rm / "scores", pb):
        if not p.exists():
            raise SystemExit(f"missing {p}: the audit benchmark needs ../shared/data")
    started = time.perf_counter()
    pb_cards = audit_scores("processbench", pb, args.cards / "processbench", reps=args.reps)
    rm_cards = audit_scores("rewardmath", rm, args.cards / "rewardmath", reps=args.reps)
    seconds = round(time.perf_counter() - started, 1)
    command = "python benchmarks/audit_scores.py"
    data = {
        "command": command,
        "seconds": seconds,
        "processbench": pb_cards,
        "rewardmath": rm_cards,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "audit-scores.json").write_text(json.dumps(data, default=float))
    (args.out / "audit-scores.md").write_text(render(data, args.reps, args.cards))
    print(f"wrote {args.out / 'audit-scores.md'} and cards under {args.cards}")


if __name__ == "__main__":
    main()
