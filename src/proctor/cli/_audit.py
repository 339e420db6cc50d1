"""``proctor audit``: report cards from existing scores, and live stress tests of a scorer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from proctor.cli._app import app, err_console

audit_app = typer.Typer(
    help="Audit a reward model, PRM or judge: a report card from its scores, or live tests.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


@audit_app.command("scores")
def audit_scores_cmd(
    source: Annotated[str, typer.Argument(help="rewardmath, processbench or runstore.")],
    path: Annotated[
        Path,
        typer.Argument(
            help="RewardMATH folder (with scores/), a ProcessBench-style .parquet/.jsonl, or a run directory."
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="Directory for <scorer>.json/.html, index.html, summary.json.")
    ] = Path("audit"),
    scorer: Annotated[
        list[str] | None,
        typer.Option(help="Only this scorer (repeatable); default every scorer in the source."),
    ] = None,
    aggregate: Annotated[
        str, typer.Option(help="PRM step aggregate used as the score: min, mean, last, sum.")
    ] = "min",
    reps: Annotated[
        int, typer.Option(min=10, help="Bootstrap replicates for the bias intervals.")
    ] = 300,
    calibrate: Annotated[
        bool, typer.Option(help="Fit cross-fitted calibrated prefix values (step-labelled PRMs).")
    ] = True,
    mitigate: Annotated[
        bool, typer.Option(help="Apply each suggested transform to the same scores, before/after.")
    ] = True,
) -> None:
    """A report card per scorer: 1-vs-rest accuracy, best-of-n with over-optimisation, bias
    probes with intervals, PRM first-error F1, calibrated prefix values, suggested transforms.

        proctor audit scores rewardmath ../shared/data/rewardmath --out audit/rewardmath
        proctor audit scores processbench ../shared/data/prm-biasbench/processbench.parquet
    """
    from proctor.audit import SOURCES, audit_scores

    if source not in SOURCES:
        err_console.print(f"[red]error:[/] unknown source {source!r}; choose {', '.join(SOURCES)}")
        raise typer.Exit(2)
    if not path.exists():
        err_console.print(f"[red]error:[/] {path} does not exist")
        raise typer.Exit(2)
    try:
        cards = audit_scores(
            source,
            path,
            out,
            scorer,
            aggregate,
            reps,
            calibrate,
            mitigate,
            log=lambda m: err_console.print(m),
        )
    except (ValueError, FileNotFoundError, ImportError) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    err_console.print(f"wrote {len(cards)} card(s), index.html and summary.json in {out}")


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


@audit_app.command("mitigate")
def audit_mitigate_cmd(
    source: Annotated[str, typer.Argument(help="rewardmath, processbench or runstore.")],
    path: Annotated[Path, typer.Argument(help="The scores, as for `proctor audit scores`.")],
    scorer: Annotated[str, typer.Option(help="The scorer whose scores the transform rewrites.")],
    transform: Annotated[
        list[str] | None,
        typer.Option(
            help="soft_overlong, ensemble_uwo, par, min_form_credit, hard_gate (repeatable); default: what its card suggests."
        ),
    ] = None,
) -> None:
    """Run the transforms the card suggests (or the ones named) on the same scores and
    print the card's read-outs before and after.

        proctor audit mitigate rewardmath ../shared/data/rewardmath --scorer gpt4o
    """
    from proctor.audit import build_card, load_tables, run_suggestion

    try:
        (table,) = load_tables(source, path, [scorer])
        others = load_tables(source, path) if source == "rewardmath" else []
        chosen = transform or sorted(
            {s["transform"] for s in build_card(table, reps=50)["suggestions"]}
        )
        results = [run_suggestion(table, t, others) for t in chosen]
    except (ValueError, FileNotFoundError, ImportError) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    if not results:
        err_console.print("the card suggests no transform for this scorer")
    for r in results:
        print(f"{r['transform']} ({r['name']}): {r['note']}")
        for k, before in r["before"].items():
            print(f"  {k}: {_fmt(before)} -> {_fmt(r['after'][k])}")


@audit_app.command("live")
def audit_live_cmd(
    kind: Annotated[
        str, typer.Argument(help="reward-model, prm, implicit, logprob-judge or openai-judge.")
    ],
    model: Annotated[
        str,
        typer.Argument(
            help="Local model folder or .gguf file (the policy for implicit), or the judge's model name."
        ),
    ],
    reference: Annotated[
        Path | None,
        typer.Option(
            help="implicit: the reference model (default: the policy itself, reference prompt empty: β·PMI)."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="openai-judge: the endpoint, e.g. a local server's /v1.")
    ] = None,
    api_key_env: Annotated[
        str, typer.Option(help="openai-judge: environment variable holding the API key.")
    ] = "OPENAI_API_KEY",
    good: Annotated[str, typer.Option(help="prm: the token meaning a good step.")] = "+",
    bad: Annotated[str, typer.Option(help="prm: the token meaning a bad step.")] = "-",
    beta: Annotated[float, typer.Option(help="implicit: β.")] = 0.1,
    items: Annotated[int, typer.Option(min=2, help="Synthetic word problems to perturb.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed for items and perturbations.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the report here (.json, and .md beside it).")
    ] = None,
) -> None:
    """Stress-test a scorer you can call: perturbations that should not change its score
    (restatement, "I am confident this is correct", reformatting, reordering, answer box)
    and ones that should (wrong answer, corrupted step, hedged boxes), with intervals.

        proctor audit live implicit path/to/model.gguf --items 30
        proctor audit live openai-judge my-model --base-url http://127.0.0.1:8000/v1
    """
    import os

    from proctor.audit import arithmetic_items, build_scorer, live_markdown, run_live

    try:
        scorer = build_scorer(
            kind,
            model,
            reference=reference,
            base_url=base_url,
            api_key=os.environ.get(api_key_env),
            good=good,
            bad=bad,
            beta=beta,
        )
    except (ImportError, OSError, ValueError) as exc:
        err_console.print(
            f"[red]error:[/] cannot build the {kind} scorer for {model}: {exc} "
            "(local models need the extra: pip install 'proctor[audit]')"
        )
        raise typer.Exit(1) from exc
    report = run_live(scorer, arithmetic_items(items, seed), seed=seed)
    text = live_markdown(report)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1), encoding="utf-8")
        out.with_suffix(".md").write_text(text, encoding="utf-8")
        err_console.print(f"wrote {out} and {out.with_suffix('.md')}")


__all__ = ["audit_app"]
