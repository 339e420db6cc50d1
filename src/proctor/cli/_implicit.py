"""``proctor implicit score``: the reward a tuned policy internalised, token by token."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli._app import app, err_console, install_hint, out_console, print_error
from proctor.cli._errors import cli_errors
from proctor.records import Grade

if TYPE_CHECKING:
    from proctor.implicit import Agreement, ScoredRollout

implicit_app = typer.Typer(
    help="The reward a tuned policy internalised: β·log π_θ/π_ref per token, against its "
    "starting checkpoint.",
    no_args_is_help=True,
)
app.add_typer(implicit_app, name="implicit")

EXIT_BAD_MODEL = 3
"""A checkpoint that cannot be loaded or compared (missing, not a causal LM, other tokenizer)."""


@implicit_app.command("score")
@cli_errors(bad_input=2)
def implicit_score_cmd(
    policy: Annotated[
        Path,
        typer.Option(
            "--policy",
            help="The tuned policy: a local Hugging Face checkpoint directory "
            "(model.save_pretrained + tokenizer.save_pretrained) or a .gguf file. Its "
            "tokenizer is used.",
        ),
    ],
    reference: Annotated[
        Path,
        typer.Option(
            "--reference",
            help="The checkpoint the policy was tuned from (same architecture and tokenizer): "
            "a directory or a .gguf file (dequantised on load; needs the gguf package).",
        ),
    ],
    rollouts: Annotated[
        Path,
        typer.Option(
            "--rollouts",
            help="Rollouts (proctor JSONL, .jsonl.gz or a .json list): each needs `completion` "
            "or `code`; `prompt` is used when present.",
            exists=True,
            dir_okay=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Write one JSON line per rollout here: sequence_reward, top_spans, "
            "token_rewards (start, end, reward of every completion token).",
            dir_okay=False,
        ),
    ],
    tasks: Annotated[
        Path | None,
        typer.Option(
            "--tasks",
            help="Task file: a rollout without a `prompt` is scored after its task's prompt.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    grades: Annotated[
        Path | None,
        typer.Option(
            "--grades",
            help="Grades (proctor JSONL): their proxy and gold are compared with the implicit "
            "reward (Spearman).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the top-reward spans and agreement as markdown (.md) or a "
            "self-contained HTML page (.html).",
            dir_okay=False,
        ),
    ] = None,
    beta: Annotated[
        float, typer.Option(min=1e-9, help="β: the reward's scale (rankings do not depend on it).")
    ] = 1.0,
    top_k: Annotated[int, typer.Option(min=0, help="Top spans kept per rollout.")] = 3,
    span_tokens: Annotated[
        int | None,
        typer.Option(min=1, help="Longest span, in tokens (default: no limit)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Sequences per forward pass.")] = 4,
    max_length: Annotated[
        int,
        typer.Option(
            min=2, help="Longest prompt + completion in tokens (the prompt is cut first)."
        ),
    ] = 2048,
    device: Annotated[str, typer.Option(help="torch device: cpu, cuda, cuda:1, mps.")] = "cpu",
    limit: Annotated[
        int | None, typer.Option(min=1, help="Score only the first N rollouts.")
    ] = None,
) -> None:
    """Score each rollout's completion with the implicit reward of POLICY against REFERENCE.

    For every completion token t: β·(log π_policy(y_t | prompt, y_<t) − log
    π_reference(y_t | …)); prompt tokens are context, never scored. The sum is the
    reward the policy acts as if it maximised; the spans with the largest sum show
    where it found that reward (an early exit? a spoofed __eq__?). With labels
    (meta.truth.kind, meta.kind: hack / honest*) the AUC of hack vs honest is printed.

        proctor implicit score --policy ckpt/step-200 --reference ckpt/step-0 \\
            --rollouts heldout.jsonl --tasks tasks.jsonl --out implicit.jsonl --report spans.html

    Exit codes: 0 done; 2 bad rollouts, tasks or grades file; 3 a checkpoint that
    cannot be loaded or compared.
    """
    from proctor.io import read_rollouts, read_tasks

    records = read_rollouts(rollouts)[:limit] if limit else read_rollouts(rollouts)
    if not records:
        print_error(f"{rollouts}: no rollouts")
        raise typer.Exit(2)
    task_map = {t.id: t for t in read_tasks(tasks)} if tasks else None
    grade_list = _read_grades(grades) if grades else []
    try:
        from proctor.implicit import ImplicitReward

        scorer = ImplicitReward.from_pretrained(policy, reference, beta=beta, device=device)
    except ImportError as exc:
        print_error(
            f"the implicit reward needs torch and transformers ({exc}): {install_hint('implicit')}"
        )
        raise typer.Exit(EXIT_BAD_MODEL) from exc
    except (OSError, ValueError) as exc:
        print_error(f"cannot load the checkpoints: {exc}")
        raise typer.Exit(EXIT_BAD_MODEL) from exc
    from proctor.implicit import rollout_agreement, score_rollouts, write_scores, write_section

    with err_console.status(f"scoring {len(records)} rollouts"):
        scored, skipped = score_rollouts(
            scorer,
            records,
            tasks=task_map,
            grades=grade_list,
            batch_size=batch_size,
            max_length=max_length,
        )
    write_scores(out, scored, top_k, span_tokens)
    agree = rollout_agreement(scored)
    if report is not None:
        write_section(report, scored, agree, k=top_k, max_tokens=span_tokens)
    _print_summary(scored, agree, skipped, top_k, span_tokens)
    err_console.print(f"wrote {out}" + (f" and {report}" if report else ""))


def _read_grades(path: Path) -> list[Grade]:
    from pydantic import ValidationError

    from proctor.io import RecordError, iter_records

    out = []
    for line, row in iter_records(path):
        try:
            out.append(Grade.model_validate(row))
        except ValidationError as exc:
            raise RecordError.from_validation(exc, path=path, line=line) from exc
    return out


def _print_summary(
    scored: list[ScoredRollout],
    agree: Agreement,
    skipped: list[str],
    k: int,
    max_tokens: int | None,
) -> None:
    from proctor.implicit import summarise_spans

    def fmt(x: float | None) -> str:
        return "–" if x is None else f"{x:.3f}"

    table = Table(title=f"implicit reward of {agree.n} rollouts")
    table.add_column("agreement")
    table.add_column("value", justify="right")
    table.add_column("rollouts", justify="right")
    table.add_row("Spearman ρ with proxy", fmt(agree.spearman_proxy), str(agree.proxy_pairs))
    table.add_row("Spearman ρ with gold", fmt(agree.spearman_gold), str(agree.gold_pairs))
    table.add_row(
        "AUC hack vs honest", fmt(agree.auc_hack), f"{agree.hacks} hack / {agree.honest} honest"
    )
    out_console.print(table)
    spans = Table(title="spans that carry the most reward")
    spans.add_column("span")
    spans.add_column("total", justify="right")
    spans.add_column("top span of", justify="right")
    spans.add_column("in hacks", justify="right")
    for row in summarise_spans(scored, k, max_tokens, limit=10):
        spans.add_row(
            escape(repr(row.text[:60])), f"{row.total:.2f}", str(row.count), str(row.hacks)
        )
    out_console.print(spans)
    if skipped:
        err_console.print(
            f"[yellow]{len(skipped)} rollout(s) without a completion or code were skipped "
            f"(first: {escape(skipped[0])})[/]"
        )


__all__ = ["implicit_app"]
