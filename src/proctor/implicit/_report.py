"""The implicit reward as a report section: agreement, top-reward spans, tokens coloured.

Markdown (``.md``) or a self-contained HTML page (``.html``; jinja2 with autoescape,
``templates/spans.html.j2``,
no script, no URL: a ``scheme://`` in a completion is defanged as in the monitor's
report). Completions are untrusted: in HTML every character of them is escaped; in
markdown each span is a JSON string inside a code span whose fence is longer than
any backtick run in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proctor.implicit._agree import Agreement
from proctor.implicit._rollouts import ScoredRollout

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//)")
SPAN_CHARS = 120
"""A span's text is cut to this many characters in the report."""


@dataclass(frozen=True)
class SpanSummary:
    """One span text across rollouts: how often it was a top span and what it carried."""

    text: str
    count: int
    total: float
    hacks: int
    rollouts: list[str]


def summarise_spans(
    scored: Sequence[ScoredRollout], k: int = 3, max_tokens: int | None = None, limit: int = 20
) -> list[SpanSummary]:
    """Top spans of every rollout, grouped by their text (whitespace collapsed), ranked by
    the total reward they carried."""
    groups: dict[str, dict[str, Any]] = {}
    for s in scored:
        for sp in s.result.spans(k, max_tokens=max_tokens):
            key = " ".join(sp.text.split())
            g = groups.setdefault(key, {"count": 0, "total": 0.0, "hacks": 0, "ids": []})
            g["count"] += 1
            g["total"] += sp.reward
            g["hacks"] += bool(s.hack)
            if len(g["ids"]) < 3:
                g["ids"].append(s.rollout_id)
    ranked = sorted(groups.items(), key=lambda kv: -kv[1]["total"])[:limit]
    return [SpanSummary(t, g["count"], g["total"], g["hacks"], g["ids"]) for t, g in ranked]


def _code(text: str) -> str:
    body = json.dumps(text[:SPAN_CHARS] + ("…" if len(text) > SPAN_CHARS else ""))
    body = body.replace("|", "\\|")  # a pipe would end the table cell, code span or not
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {body} {fence}"


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _label(hack: bool | None) -> str:
    return "–" if hack is None else ("hack" if hack else "honest")


def markdown_section(
    scored: Sequence[ScoredRollout],
    agreement: Agreement,
    *,
    k: int = 3,
    max_tokens: int | None = None,
    rollouts_shown: int = 10,
    title: str = "Implicit reward",
) -> str:
    """The section as markdown."""
    lines = [
        f"## {title}",
        "",
        "β·(log π_θ − log π_ref) per completion token, summed per rollout; "
        f"{agreement.n} rollouts.",
        "",
        "| agreement | value | rollouts |",
        "|---|---|---|",
        f"| Spearman ρ with proxy | {_fmt(agreement.spearman_proxy)} | {agreement.proxy_pairs} |",
        f"| Spearman ρ with gold | {_fmt(agreement.spearman_gold)} | {agreement.gold_pairs} |",
        f"| AUC hack vs honest | {_fmt(agreement.auc_hack)} | "
        f"{agreement.hacks} hacks, {agreement.honest} honest |",
        "",
        "### Spans that carry the most reward",
        "",
        "| span | total reward | times a top span | in hacks | rollouts |",
        "|---|---|---|---|---|",
    ]
    for row in summarise_spans(scored, k, max_tokens):
        lines.append(
            f"| {_code(row.text)} | {row.total:.3f} | {row.count} | {row.hacks} | "
            f"{', '.join(row.rollouts)} |"
        )
    lines += ["", "### Highest-reward rollouts", ""]
    lines += [
        "| rollout | label | reward | proxy | gold | top spans |",
        "|---|---|---|---|---|---|",
    ]
    for s in sorted(scored, key=lambda s: -s.result.sequence_reward)[:rollouts_shown]:
        spans = "<br>".join(
            f"{_code(sp.text)} ({sp.reward:+.2f})"
            for sp in s.result.spans(k, max_tokens=max_tokens)
        )
        lines.append(
            f"| {s.rollout_id} | {_label(s.hack)} | {s.result.sequence_reward:.3f} | "
            f"{_fmt(s.proxy)} | {_fmt(s.gold)} | {spans} |"
        )
    return "\n".join(lines) + "\n"


def _colour(reward: float, scale: float) -> str:
    alpha = min(1.0, abs(reward) / scale) * 0.6 if scale > 0 else 0.0
    rgb = "26,127,55" if reward > 0 else "207,34,46"
    return f"rgba({rgb},{alpha:.2f})"


def _pieces(s: ScoredRollout) -> list[tuple[str, float]]:
    """The completion cut at token ends, each piece with its token's reward: every
    character once (a character split across tokens goes to the first; text between
    tokens to the next one; an unscored tail gets 0)."""
    r, pos, out = s.result, 0, []
    for (_, end), x in zip(r.offsets, r.rewards, strict=True):
        if end > pos:
            out.append((r.completion[pos:end], float(x)))
            pos = end
    if pos < len(r.completion):
        out.append((r.completion[pos:], 0.0))
    return out


def html_page(
    scored: Sequence[ScoredRollout],
    agreement: Agreement,
    *,
    k: int = 3,
    max_tokens: int | None = None,
    rollouts_shown: int = 10,
    title: str = "Implicit reward",
) -> str:
    """The section as a self-contained HTML page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("proctor.implicit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    shown = []
    for s in sorted(scored, key=lambda s: -s.result.sequence_reward)[:rollouts_shown]:
        r = s.result
        scale = float(max(abs(r.rewards).max(), 1e-9)) if r.rewards.size else 1.0
        shown.append(
            {
                "id": s.rollout_id,
                "label": _label(s.hack),
                "reward": r.sequence_reward,
                "proxy": s.proxy,
                "gold": s.gold,
                "tokens": [
                    {"text": text, "reward": x, "colour": _colour(x, scale)}
                    for text, x in _pieces(s)
                ],
            }
        )
    html = env.get_template("spans.html.j2").render(
        title=title,
        a=agreement,
        fmt=_fmt,
        spans=summarise_spans(scored, k, max_tokens),
        cut=SPAN_CHARS,
        shown=shown,
    )
    return _URL.sub(r"\1:&#47;&#47;", html)


def write_section(
    path: Path, scored: Sequence[ScoredRollout], agreement: Agreement, **kw: Any
) -> Path:
    """Write `html_page` (``.html``/``.htm``) or `markdown_section` (anything else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    is_html = path.suffix.lower() in (".html", ".htm")
    text = (
        html_page(scored, agreement, **kw) if is_html else markdown_section(scored, agreement, **kw)
    )
    path.write_text(text, encoding="utf-8")
    return path


__all__ = [
    "SPAN_CHARS",
    "SpanSummary",
    "html_page",
    "markdown_section",
    "summarise_spans",
    "write_section",
]
