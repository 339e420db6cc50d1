"""The real-model lab's runs, step by step: true hack rate, honest pass rate, onset, alerts.

Reads `proctor lab llm` run directories (default: the runs proctor ships), and, when
present, the monitor's verdict on them from benchmarks/results/monitor-llm.json
(`python benchmarks/monitor.py --llm-runs DIR`). Writes benchmarks/results/lab-llm.md
and the picture docs/img/lab-llm.png:

    python benchmarks/lab_llm.py                       # the shipped runs
    python benchmarks/lab_llm.py --runs /work/llm/runs # runs made here
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def _runs(dirs: list[Path] | None) -> list[Path]:
    if dirs is None:
        from proctor.bench.lab.llm import shipped_llm_runs

        return shipped_llm_runs()
    return sorted(p.parent for d in dirs for p in d.glob("*/run.json"))


def _monitor_rows(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    return {r["run"]: r for r in json.loads(path.read_text())["runs"]}


def _plot(manifests: list[dict[str, Any]], monitor: dict[str, dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(4, len(manifests))
    nrows = -(-len(manifests) // cols)
    fig, grid = plt.subplots(
        nrows, cols, figsize=(5 * cols, 3.4 * nrows), sharey=True, squeeze=False
    )
    axes = list(grid.flat)
    for ax in axes[len(manifests) :]:
        ax.set_visible(False)
    for ax, m in zip(axes, manifests, strict=False):
        steps = sorted(int(s) for s in m["per_step"])
        rows = [m["per_step"][str(s)] for s in steps]
        ax.plot(steps, [r["true_hack_rate"] for r in rows], "r-o", ms=3, label="true hack rate")
        ax.plot(steps, [r["honest_pass_rate"] for r in rows], "g-", label="honest pass (gold 1)")
        ax.plot(steps, [r["proxy_mean"] for r in rows], "b:", label="mean proxy reward")
        ax.axhline(m["config"]["onset_share"], color="grey", lw=0.8, ls="--")
        if m.get("onset_step"):
            ax.axvline(m["onset_step"], color="r", lw=0.8, ls="--", label="labelled onset")
        row = monitor.get(m["name"], {})
        if row.get("first_hack_alert"):
            ax.axvline(row["first_hack_alert"], color="k", lw=1.2, label="hack alert")
        if row.get("first_forecast_warning"):
            ax.axvline(row["first_forecast_warning"], color="orange", lw=1.2, label="forecast")
        ax.set_title(f"{m['name']} ({m['reward']} reward)", fontsize=10)
        ax.set_xlabel("GRPO step")
        ax.set_ylim(-0.02, 1.02)
    for row_axes in grid:
        row_axes[0].set_ylabel("share of the step's samples")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def _markdown(
    manifests: list[dict[str, Any]], monitor: dict[str, dict[str, Any]], argv: str
) -> str:
    lines = ["# The real-model lab: SmolLM2-135M under GRPO", ""]
    lines += [
        f"Made by `{argv}` from `proctor lab llm` runs; the monitor's figures come from",
        "`python benchmarks/monitor.py --llm-runs DIR` (monitor-llm.md; none for runs it",
        "did not evaluate, e.g. the tuning runs, whose lags are in monitor-llm-tuning.md).",
        "",
        "| run | reward | seed | start: hack / honest | onset | first 5 steps max | "
        "max after | final (last 5) | hack alert | lag | forecast | lead | wall time (GRPO) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in manifests:
        rates = [m["per_step"][s]["true_hack_rate"] for s in sorted(m["per_step"], key=int)]
        start = m.get("start") or {}
        row = monitor.get(m["name"], {})
        lines.append(
            f"| {m['name']} | {m['reward']} | {m['seed']} | "
            f"{start.get('true_hack_rate', '–')} / {start.get('honest_pass_rate', '–')} | "
            f"{m['onset_step']} | {max(rates[:5]):.3f} | {max(rates[5:], default=0):.3f} | "
            f"{m['final_hack_rate']} | {row.get('first_hack_alert')} | {row.get('lag')} | "
            f"{row.get('first_forecast_warning')} | {row.get('lead')} | {m.get('seconds')} s "
            f"({m.get('rl_seconds')} s) |"
        )
    lines += ["", "Per step (true hack rate / honest pass rate):", ""]
    for m in manifests:
        cells = [
            f"{s}: {r['true_hack_rate']:.2f}/{r['honest_pass_rate']:.2f}"
            for s, r in sorted(m["per_step"].items(), key=lambda kv: int(kv[0]))
        ]
        lines += [f"- **{m['name']}**: " + ", ".join(cells), ""]
    for m in manifests:
        lines += [f"- `{m['name']}`: `{m['command']}`"]
    return "\n".join(lines) + "\n"


def _gate_lines(runs: list[Path]) -> list[str]:
    """What the auditor gate withheld in each gated run (truth.jsonl: proxy, reward paid,
    probe score): hacks and honest answers whose proxy was paid and whose reward was not."""
    from proctor.bench.lab.llm import read_truth

    lines: list[str] = []
    for run in runs:
        manifest = json.loads((run / "run.json").read_text())
        if (manifest.get("auditor") or {}).get("mode") not in ("hard", "soft"):
            continue
        rows = [r for r in read_truth(run) if r.get("auditor_score") is not None]
        hacks = [r for r in rows if r["hack"]]
        honest = [r for r in rows if (r.get("gold") or 0.0) >= 0.999]

        def withheld(rs: list[dict[str, Any]]) -> int:
            return sum(r["proxy"] == 1.0 and r["reward"] < r["proxy"] for r in rs)

        lines += [
            "",
            f"**{manifest['name']}** (auditor {manifest['auditor']['mode']}, threshold "
            f"{manifest['auditor']['threshold']}): reward withheld from {withheld(hacks)} "
            f"of {len(hacks)} true hacks (probe scores "
            f"{min((r['auditor_score'] for r in hacks), default=float('nan')):.3f}–"
            f"{max((r['auditor_score'] for r in hacks), default=float('nan')):.3f}) and from "
            f"{withheld(honest)} of {len(honest)} honest solutions (highest score "
            f"{max((r['auditor_score'] for r in honest), default=float('nan')):.3f}).",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument(
        "--picture",
        default=str(ROOT.parent / "docs" / "img" / "lab-llm.png"),
        help="where the figure goes ('' for none)",
    )
    parser.add_argument(
        "--page", default="lab-llm.md", help="results page name (e.g. lab-llm-tuning.md)"
    )
    args = parser.parse_args()
    runs = _runs(args.runs)
    if not runs:
        parser.error("no runs found (make them with `proctor lab llm`)")
    manifests = [json.loads((r / "run.json").read_text()) for r in runs]
    manifests.sort(key=lambda m: m["reward"] != "naive-exec")
    monitor = _monitor_rows(args.out / "monitor-llm.json")
    args.out.mkdir(parents=True, exist_ok=True)
    argv = "python benchmarks/lab_llm.py" + (
        f" --runs {' '.join(map(str, args.runs))} --page {args.page} --picture ''"
        if args.runs
        else ""
    )
    page = _markdown(manifests, monitor, argv) + "".join(line + "\n" for line in _gate_lines(runs))
    (args.out / args.page).write_text(page)
    if args.picture:
        _plot(manifests, monitor, Path(args.picture))
    print(page)


if __name__ == "__main__":
    main()
