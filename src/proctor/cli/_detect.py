"""``proctor detect`` and ``proctor bench detectors`` (``proctor scan`` lives in `_scan`)."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli._app import app, err_console, out_console, print_error
from proctor.cli._errors import cli_errors
from proctor.records import Grade

bench_app = typer.Typer(
    help="Benchmarks: score proctor's components on labelled corpora.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

EXIT_CLEAN, EXIT_UNSURE, EXIT_HACKS = 0, 1, 2


def _read_grades(path: Path | None) -> dict[str, Grade]:
    if path is None:
        return {}
    grades = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            grade = Grade.model_validate_json(line)
        except ValueError as exc:
            print_error(f"{path}:{n}: not a grade: {str(exc)[:200]}")
            raise typer.Exit(2) from exc
        grades[grade.rollout_id] = grade
    return grades


def _pipeline_options(
    judge_url: str | None, judge_model: str, judge_mode: str
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    from proctor.detectors import default_detectors

    names = default_detectors()
    options: dict[str, dict[str, Any]] = {}
    if judge_url:
        names.append("llm_judge")
        options["llm_judge"] = {"base_url": judge_url, "model": judge_model, "mode": judge_mode}
    return names, options


def verdict_table(
    rows: list[dict[str, Any]], title: str, limit: int = 25, width: int | None = None
) -> Table:
    """The flagged rollouts, one terminal line each at any width (80 columns included).

    Column widths are set here, not left to rich, which shrinks every no-wrap column
    in proportion and drops the narrow ones (label, confidence) entirely at 80
    columns: the id and category are cut with an ellipsis, the evidence gets the rest.
    """
    flagged = [r for r in rows if r["label"] != "clean"]
    flagged.sort(key=lambda r: (r["label"] != "hack", -r["confidence"]))
    shown = flagged[:limit]
    total = width or out_console.width
    narrow = total < 110  # e.g. 80 columns: shorter id and category, more evidence
    ids = min(20 if narrow else 28, max([len("rollout"), *(len(r["rollout_id"]) for r in shown)]))
    cats = min(
        12 if narrow else 16, max([len("category"), *(len(r["category"] or "") for r in shown)])
    )
    fixed = ids + 6 + 4 + cats + 2 * 4  # four gaps of two spaces between five columns
    evidence = max(12, total - fixed - 1)
    table = Table(
        title=title,
        box=None,
        pad_edge=False,
        padding=(0, 1),
        title_justify="left",
        header_style="bold",
    )
    table.add_column("rollout", no_wrap=True, overflow="ellipsis", width=ids)
    table.add_column("label", no_wrap=True, width=6)
    table.add_column("conf", justify="right", no_wrap=True, width=4)
    table.add_column("category", no_wrap=True, overflow="ellipsis", width=cats)
    table.add_column("evidence", no_wrap=True, overflow="ellipsis", width=evidence)
    colour = {"hack": "red", "unsure": "yellow", "clean": "green"}
    for r in shown:
        first = r["evidence"][0]["text"] if r["evidence"] else ""
        line = r["evidence"][0].get("line") if r["evidence"] else None
        where = f"line {line}: " if line else ""
        table.add_row(
            escape(r["rollout_id"]),
            f"[{colour[r['label']]}]{r['label']}[/]",
            f"{r['confidence']:.2f}",
            escape(r["category"] or ""),
            escape(" ".join(f"{where}{first}".split())[:300]),
        )
    if len(flagged) > limit:
        table.caption = f"... and {len(flagged) - limit} more flagged rollouts"
    return table


def _run_detection(
    tasks: Any,
    rollouts: list[Any],
    grades: dict[str, Grade],
    out: Path,
    all_verdicts: bool,
    names: list[str],
    options: dict[str, dict[str, Any]],
    workers: int,
    sandbox: bool,
) -> list[dict[str, Any]]:
    from proctor.common import default_cache_dir
    from proctor.judge import Judge, verdict_rows

    out.parent.mkdir(parents=True, exist_ok=True)
    with Judge(
        detectors=names,
        workers=workers,
        sandbox=sandbox,
        detector_options=options,
        cache_dir=default_cache_dir(),
    ) as judge:
        if sandbox and judge.pipeline.pool is None:
            err_console.print("[yellow]no sandbox: the differential detector is skipped[/]")
        judged = judge.judge(tasks, rollouts, list(grades.values()))
    rows = verdict_rows(judged, all_verdicts)
    with out.open("w") as sink:
        sink.writelines(json.dumps(row) + "\n" for row in rows)
    return rows


@app.command()
@cli_errors(bad_input=2)
def detect(
    rollouts: Annotated[
        Path,
        typer.Option(
            "--rollouts",
            "-r",
            exists=True,
            dir_okay=False,
            help="Rollout JSONL (id, task_id, code or completion).",
        ),
    ],
    tasks: Annotated[
        Path,
        typer.Option(
            "--tasks",
            "-t",
            exists=True,
            dir_okay=False,
            help="Task file: HumanEval(+), MBPP+ or proctor JSONL.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write one JSON verdict per rollout.")
    ],
    graded: Annotated[
        Path | None,
        typer.Option(
            "--graded",
            "-g",
            exists=True,
            dir_okay=False,
            help="Grades from `proctor grade` (adds the proxy-gold gap and the group detector's reward).",
        ),
    ] = None,
    all_verdicts: Annotated[
        bool, typer.Option("--all", help="Also write every detector's own verdict.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Sandbox workers for differential execution.")
    ] = 2,
    sandbox: Annotated[
        bool,
        typer.Option(
            help="Run code in the sandbox (differential execution). --no-sandbox keeps to static analysis."
        ),
    ] = True,
    judge_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible base URL: adds the LLM judge (off by default)."),
    ] = None,
    judge_model: Annotated[str, typer.Option(help="Model name for the LLM judge.")] = "gpt-4o-mini",
    judge_mode: Annotated[
        str, typer.Option(help="isolated or contrastive (shows the judge the rollout's group).")
    ] = "isolated",
    visible: Annotated[
        str, typer.Option(help="Visible tests for HumanEval+ files: base or test.")
    ] = "base",
    gold: Annotated[
        str, typer.Option(help="Held-out tests for HumanEval+ files: plus or none.")
    ] = "plus",
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Skip bad lines instead of stopping.")
    ] = False,
) -> None:
    """Detect reward hacks: one JSON line per rollout with label (hack/clean/unsure), category,
    confidence and evidence.

    Example:

        proctor detect --rollouts rollouts.jsonl --tasks tasks.jsonl --graded grades.jsonl --out verdicts.jsonl
    """
    from proctor.cli._grade import load_inputs

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    by_id, todo = load_inputs(tasks, rollouts, visible, gold, skip_invalid)
    names, options = _pipeline_options(judge_url, judge_model, judge_mode)
    started = time.perf_counter()
    rows = _run_detection(
        by_id, todo, _read_grades(graded), out, all_verdicts, names, options, workers, sandbox
    )
    counts = Counter(r["label"] for r in rows)
    title = (
        f"{len(rows)} rollouts: {counts['hack']} hack, {counts['unsure']} unsure, "
        f"{counts['clean']} clean ({time.perf_counter() - started:.1f}s) -> {out}"
    )
    err_console.print(verdict_table(rows, title))


@bench_app.command("detectors")
def bench_detectors(
    split: Annotated[
        str, typer.Option(help="Corpus split: heldout (the reported one), dev (tuning), or all.")
    ] = "heldout",
    out: Annotated[
        Path, typer.Option(help="Directory for detectors.md and detectors.json.")
    ] = Path("benchmarks/results"),
    workers: Annotated[int, typer.Option(min=1, help="Sandbox workers for grading.")] = 2,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Fit the ensemble weights on the DEV split and save them (never on held-out).",
        ),
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="Only the first N rollouts (smoke runs).")
    ] = None,
    cache: Annotated[bool, typer.Option(help="Cache grades and expected outputs on disk.")] = True,
    corpus: Annotated[
        str,
        typer.Option(
            help="standard (detectors.md), realistic (by input shape: detectors-realistic.md) or both."
        ),
    ] = "both",
) -> None:
    """Score every detector and the ensemble on the labelled corpus: recall per category,
    precision, false-positive rate on honest correct and honest wrong solutions, cost.

        proctor bench detectors                 # the held-out split, as reported in docs
        proctor bench detectors --split dev --calibrate
        proctor bench detectors --corpus realistic   # by input shape
    """
    from proctor.bench.detectors import run_bench

    if split not in ("heldout", "dev", "all"):
        err_console.print("[red]error:[/] --split is heldout, dev or all")
        raise typer.Exit(2)
    if calibrate and split != "dev":
        err_console.print("[red]error:[/] --calibrate fits on the dev split only: add --split dev")
        raise typer.Exit(2)
    if corpus not in ("standard", "realistic", "both"):
        err_console.print("[red]error:[/] --corpus is standard, realistic or both")
        raise typer.Exit(2)
    if corpus in ("standard", "both"):
        run_bench(split, out, workers, calibrate, limit, cache, err_console)
    if corpus in ("realistic", "both"):
        from proctor.bench.detectors import run_realistic

        run_realistic(split, out, workers, limit, cache, err_console)


__all__ = ["bench_app", "bench_detectors", "detect", "verdict_table"]
