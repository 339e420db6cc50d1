"""``proctor probe train|score``: linear probes on a model's activations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from proctor.cli._app import app, err_console, install_hint, print_error
from proctor.cli._errors import cli_errors

probe_app = typer.Typer(
    help=(
        "Linear probes on the policy's activations: train one on labelled rollouts "
        "(hack vs honest), score new rollouts with it. See docs/probes.md."
    ),
    no_args_is_help=True,
)
app.add_typer(probe_app, name="probe")

_ROWS_HELP = (
    "Rollout JSONL (.jsonl, .jsonl.gz, .json): proctor rollout records with `prompt` and "
    "`completion` (or `code`), `task_id`, and for training a `label` (true = hack, false = honest)."
)


def _layers(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give block indices like 0,6,-1 (or 'all')") from None


def _require(path: Path, what: str) -> None:
    if not path.exists():
        print_error(f"{path}: no such {what}")
        raise typer.Exit(2)


def _tasks(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from proctor.io import read_tasks

    _require(path, "tasks file")
    return {t.id: t for t in read_tasks(path)}


def _model(name: str) -> tuple[Any, Any]:
    from proctor.probes import load_model

    try:
        return load_model(name)
    except ImportError as exc:
        print_error(f"{exc}: install the probes extra: {install_hint('probes')}")
        raise typer.Exit(1) from exc
    except (OSError, ValueError) as exc:
        print_error(
            f"cannot load model {name!r} from local files: {str(exc).splitlines()[0]} "
            "(give a local folder, or a Hugging Face id already in the local cache: "
            "proctor never downloads)"
        )
        raise typer.Exit(1) from exc


def _cache(cache_dir: Path | None, no_cache: bool) -> Path | None:
    from proctor.common import cache_root

    return None if no_cache else (cache_dir or cache_root() / "activations")


def _progress(label: str) -> Any:
    def show(done: int, total: int) -> None:
        err_console.print(f"{label}: {done}/{total} rows", end="\r")

    return show


@probe_app.command("train")
@cli_errors()
def train_cmd(
    rollouts: Annotated[Path, typer.Argument(help=_ROWS_HELP)],
    model: Annotated[
        str,
        typer.Option(
            help="The policy: a local model folder, or a Hugging Face id already in the local cache (never downloaded)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Directory for probe.json and weights.npz.")],
    layers: Annotated[
        str,
        typer.Option(
            help="Candidate decoder blocks, comma-separated (negative from the end), or 'all'; the best by task-grouped CV is kept."
        ),
    ] = "all",
    pooling: Annotated[
        list[str] | None,
        typer.Option(
            help="mean (completion tokens), last (last completion token), prompt_last; repeatable: each is a candidate."
        ),
    ] = None,
    tasks: Annotated[
        Path | None, typer.Option(help="Tasks file: the prompt of rows that carry none.")
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds, split by task.")] = 5,
    c: Annotated[
        float, typer.Option("--c", min=1e-6, help="Inverse L2 strength of the probes.")
    ] = 1.0,
    threshold: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Calibrated score at which the detector says hack."),
    ] = 0.5,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per forward pass.")] = 8,
    max_length: Annotated[int, typer.Option(min=2, help="Tokens kept per row (the end).")] = 2048,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Activation cache (default: $PROCTOR_CACHE_DIR/activations)."),
    ] = None,
    no_cache: Annotated[bool, typer.Option(help="Do not read or write the cache.")] = False,
) -> None:
    """Train a calibrated linear probe on labelled rollouts.

    Captures each candidate layer's pooled activations (cached), fits a standardised
    logistic regression per layer, keeps the layer with the best cross-validated AUC
    (folds split by task, never by sample), calibrates it (Platt, on held-out folds)
    and writes the probe:

        proctor probe train rollouts.jsonl --model ./SmolLM2-135M --layers 6,12,-1 --out probe/
        proctor probe score new.jsonl --probe probe/ --out scores.jsonl

    Each row: {"id": "r1", "task_id": "t1", "prompt": "...", "completion": "...", "label": true}
    """
    from proctor.probes import (
        capture_activations,
        check_training_rows,
        read_probe_rows,
        train_probe,
    )

    _require(rollouts, "rollout file")
    rows = read_probe_rows(rollouts, tasks=_tasks(tasks), require_labels=True)
    try:
        check_training_rows(rows)  # before the model is loaded and run
    except ValueError as exc:
        print_error(f"{rollouts}: {exc}")
        raise typer.Exit(2) from exc
    lm, tokenizer = _model(model)
    from proctor.probes import decoder_layers

    depth = len(decoder_layers(lm))
    chosen = list(range(depth)) if layers.strip() == "all" else _layers(layers)
    try:
        activations = capture_activations(
            lm,
            tokenizer,
            rows,
            layers=chosen,
            pooling=pooling or ["mean"],  # type: ignore[arg-type]
            batch_size=batch_size,
            cache_dir=_cache(cache_dir, no_cache),
            max_length=max_length,
            progress=_progress("capturing"),
        )
        err_console.print(
            f"captured {len(rows)} rows ({activations.cached} from the cache) at {len(chosen)} layer(s)"
        )
        probe = train_probe(
            activations,
            rows,
            model=model,
            folds=folds,
            c=c,
            threshold=threshold,
            max_length=max_length,
        )
    except ValueError as exc:  # a bad layer or pooling, one task or one label only
        print_error(f"{rollouts}: {exc}")
        raise typer.Exit(2) from exc
    probe.save(out)
    spec = probe.spec
    for s in sorted(spec.cv, key=lambda s: (s.layer, s.pooling)):
        mark = " <- chosen" if (s.layer, s.pooling) == (spec.layer, spec.pooling) else ""
        err_console.print(f"  layer {s.layer:>3} {s.pooling:<11} CV AUC {s.auc:.3f}{mark}")
    err_console.print(
        f"wrote {out / 'probe.json'}: layer {spec.layer} ({spec.pooling}), CV AUC "
        f"{spec.cv_auc:.3f} over {spec.tasks} tasks in {spec.folds} folds"
    )


@probe_app.command("score")
@cli_errors()
def score_cmd(
    rollouts: Annotated[Path, typer.Argument(help=_ROWS_HELP)],
    probe: Annotated[Path, typer.Option(help="A directory written by `proctor probe train`.")],
    out: Annotated[
        Path | None, typer.Option(help="Scores JSONL (default: standard output).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Load the model from here instead of the probe's spec (same model)."),
    ] = None,
    tasks: Annotated[
        Path | None, typer.Option(help="Tasks file: the prompt of rows that carry none.")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Override the probe's threshold.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per forward pass.")] = 8,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Activation cache (default: $PROCTOR_CACHE_DIR/activations)."),
    ] = None,
    no_cache: Annotated[bool, typer.Option(help="Do not read or write the cache.")] = False,
) -> None:
    """Score rollouts with a trained probe: one JSON line per rollout with its calibrated
    hack score, and whether it reaches the threshold.

        proctor probe score new.jsonl --probe probe/ --out scores.jsonl

    Each output line: {"id": "r1", "task_id": "t1", "score": 0.93, "hack": true}
    (plus "label" when the row has one; the AUC over labelled rows goes to stderr).
    """
    from proctor.probes import Probe, auc, read_probe_rows

    _require(probe / "probe.json", "probe (train one with `proctor probe train`)")
    loaded = Probe.load(probe)
    _require(rollouts, "rollout file")
    rows = read_probe_rows(rollouts, tasks=_tasks(tasks))
    lm, tokenizer = _model(model or loaded.spec.model)
    try:
        scores = loaded.score(
            rows, lm, tokenizer, cache_dir=_cache(cache_dir, no_cache), batch_size=batch_size
        )
    except ValueError as exc:
        print_error(exc)
        raise typer.Exit(2) from exc
    cut = loaded.spec.threshold if threshold is None else threshold
    lines = []
    for row, score in zip(rows, scores, strict=True):
        record: dict[str, Any] = {"id": row.id, "task_id": row.task_id, "score": round(score, 6)}
        record["hack"] = score >= cut
        if row.label is not None:
            record["label"] = row.label
        lines.append(json.dumps(record))
    text = "\n".join(lines) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    flagged = sum(s >= cut for s in scores)
    err_console.print(f"scored {len(rows)} rollouts: {flagged} at or above {cut:.3f}")
    labelled = [(r.label, s) for r, s in zip(rows, scores, strict=True) if r.label is not None]
    if labelled:
        import numpy as np

        value = auc(
            np.array([int(bool(lab)) for lab, _ in labelled]), np.array([s for _, s in labelled])
        )
        if value is not None:
            err_console.print(f"AUC over the {len(labelled)} labelled rows: {value:.3f}")


__all__ = ["probe_app"]
