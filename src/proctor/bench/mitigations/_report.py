"""Writing the mitigation benchmark's results: markdown tables, JSON and matplotlib plots."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(head), _row(["---"] * len(head)), *(_row(r) for r in rows), ""]


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def rewardmath_md(res: dict[str, Any]) -> list[str]:
    ns = res["ns"]
    head = ["scorer", *(f"n={n}" for n in ns)]
    ranked = sorted(res["single"].items(), key=lambda kv: -kv[1][-1])
    lines = [
        f"{res['problems']} problems × 10 solutions (1 correct); "
        f"{res['pairwise_left_out']} pairwise judges left out (no pointwise score). "
        "Gold accuracy = probability the best-of-n pick is the correct solution "
        "(n=1 is chance, 0.1).",
        "",
        "### Single scorers and PRM aggregates",
        "",
    ]
    lines += _table(head, [[name, *map(_f, v)] for name, v in ranked])
    lines += ["### Ensembles (members standardised over the whole set)", ""]
    rows = [
        [f"{group}: {kind}", *map(_f, v)]
        for group, kinds in res["ensembles"].items()
        for kind, v in kinds.items()
    ]
    lines += _table(head, rows)
    lines += ["### Held-out check (odd problems; top members chosen on even ones)", ""]
    lines += _table(head, [[k, *map(_f, v)] for k, v in res["held_out_odd_problems"].items()])
    return lines


def pool_md(res: dict[str, Any]) -> list[str]:
    ns = res["ns"]
    rewards = res["rewards"]
    base = rewards["raw"]
    lines = ["### Best-of-n: expected gold of the pick (median over seeds)", ""]
    lines += _table(
        ["reward", *(f"n={n}" for n in ns)],
        [[k, *map(_f, v["best_of_n"])] for k, v in rewards.items()],
    )
    lines += ["### KL-regularised optimum: gold (KL in nats) per β", ""]
    lines += _table(
        ["reward", *(f"β={b:g}" for b in res["betas"])],
        [
            [k, *(f"{_f(g, 2)} ({_f(d, 2)})" for g, d in zip(v["kl_gold"], v["kl"], strict=True))]
            for k, v in rewards.items()
        ],
    )
    lines += ["### Tabular GRPO: gold under the policy", ""]
    raw_final = _median(base["grpo_final_per_seed"])
    rows = []
    for k, v in rewards.items():
        final = _median(v["grpo_final_per_seed"])
        rows.append(
            [
                k,
                _f(final),
                _f(_median(v["grpo_peak_per_seed"])),
                _f(v["grpo_kl"][-1], 2),
                _f(final - raw_final, 3),
            ]
        )
    lines += _table(
        ["reward", "final gold (median)", "peak gold (median)", "final KL", "final − raw"], rows
    )
    return lines


def code_md(res: dict[str, Any]) -> list[str]:
    ns = res["ns"]
    rewards = res["rewards"]
    lines = [
        f"{res['tasks']} held-out corpus tasks, {res['candidates']} candidates "
        f"({', '.join(f'{v} {k}' for k, v in sorted(res['kinds'].items()))}); "
        f"a uniform pick passes the held-out tests {_f(res['pool_gold'])} of the time.",
        "",
        "### Best-of-n: gold pass rate of the pick (share of picks that are hacks)",
        "",
    ]
    lines += _table(
        ["reward", *(f"n={n}" for n in ns)],
        [
            [
                k,
                *(
                    f"{_f(g)} ({_f(h, 2)})"
                    for g, h in zip(v["best_of_n"], v["hack_selected"], strict=True)
                ),
            ]
            for k, v in rewards.items()
        ],
    )
    base = {
        k: _median(rewards[k]["grpo_final_per_seed"])
        for k in ("naive-exec", "naive-pytest")
        if k in rewards
    }

    def ratio(value: float, to: str) -> str:
        return _f(value / base[to] if base.get(to) else float("nan"), 2)

    lines += ["### Tabular GRPO: gold pass rate under the policy", ""]
    lines += _table(
        ["reward", "final (median over seeds)", *(f"ratio to {k}" for k in base)],
        [
            [k, _f(final), *(ratio(final, b) for b in base)]
            for k, v in rewards.items()
            for final in [_median(v["grpo_final_per_seed"])]
        ],
    )
    return lines


def plot_all(results: dict[str, Any], img: Path) -> list[Path]:
    """One PNG per figure under ``img``; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Any, name: str) -> None:
        path = img / name
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    if "rewardmath" in results:
        res = results["rewardmath"]
        fig, ax = plt.subplots(figsize=(7, 4.5))
        top = sorted(res["single"].items(), key=lambda kv: -kv[1][-1])[:4]
        for name, v in top:
            ax.plot(res["ns"], v, marker="o", label=name)
        for group, kinds in res["ensembles"].items():
            for kind, v in kinds.items():
                ax.plot(res["ns"], v, linestyle="--", label=f"{group}: {kind}")
        ax.set(
            xlabel="n",
            ylabel="gold accuracy of the pick",
            xscale="log",
            title="RewardMATH best-of-n: single scorers vs ensembles",
        )
        ax.legend(fontsize=6)
        save(fig, "rewardmath_bon.png")
    if "pool" in results:
        res = results["pool"]
        fig, axes = plt.subplots(1, 3, figsize=(13, 4))
        for name, v in res["rewards"].items():
            axes[0].plot(res["ns"], v["best_of_n"], marker="o", label=name)
            axes[1].plot(v["kl"], v["kl_gold"], marker=".", label=name)
            axes[2].plot(v["grpo_gold"], label=name)
        axes[0].set(xlabel="n", ylabel="gold", xscale="log", title="best-of-n")
        axes[1].set(xlabel="KL(π*‖π0) (nats)", ylabel="gold", title="KL-regularised optimum")
        axes[2].set(xlabel="GRPO step", ylabel="gold under π", title="tabular GRPO")
        axes[2].legend(fontsize=7)
        save(fig, "pool.png")
    if "code" in results:
        res = results["code"]
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for name, v in res["rewards"].items():
            axes[0].plot(res["ns"], v["best_of_n"], marker="o", label=name)
            axes[1].plot(v["grpo_gold"], label=name)
        axes[0].set(xlabel="n", ylabel="gold pass rate of the pick", title="best-of-n")
        axes[1].set(xlabel="GRPO step", ylabel="gold pass rate under π", title="tabular GRPO")
        axes[1].legend(fontsize=8)
        save(fig, "code.png")
    return written


def write_results(
    results: dict[str, Any], meta: dict[str, Any], out: Path, img: Path | None
) -> tuple[Path, Path, list[Path]]:
    """``mitigations.json`` and ``mitigations.md`` in ``out``, plots in ``img``."""
    out.mkdir(parents=True, exist_ok=True)
    plots = plot_all(results, img) if img is not None else []
    json_path, md_path = out / "mitigations.json", out / "mitigations.md"
    json_path.write_text(
        json.dumps({"meta": meta, "results": results}, indent=1, default=lambda x: None) + "\n"
    )
    lines = ["# Mitigation benchmark", "", f"Reproduce: `{meta['command']}`", ""]
    lines += _table(["run", "value"], [[k, str(v)] for k, v in meta.items() if k != "command"])
    for key, title, fn in (
        ("rewardmath", "RewardMATH: real reward-model scores", rewardmath_md),
        ("pool", "Fixed pool: gold and fooled proxy scorers", pool_md),
        ("code", "Code domain: pools with hacks", code_md),
    ):
        if key in results:
            lines += [f"## {title}", "", *fn(results[key])]
        elif key in meta.get("skipped", {}):
            lines += [f"## {title}", "", f"Skipped: {meta['skipped'][key]}", ""]
    for p in plots:
        rel = os.path.relpath(p.resolve(), out.resolve())
        lines += [f"![{p.stem}]({Path(rel).as_posix()})", ""]
    md_path.write_text("\n".join(lines))
    return json_path, md_path, plots


__all__ = ["code_md", "plot_all", "pool_md", "rewardmath_md", "write_results"]
