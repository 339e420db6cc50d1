"""The card as one self-contained HTML file, with the monitor report's machinery:
matplotlib charts inlined as SVG with every URL-bearing part stripped
(`proctor.audit._svg`), jinja2 autoescape, and any ``scheme://`` left in text
defanged, so the file opens with no network and names no URL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from proctor.audit._svg import svg_of as _svg

# a scheme's "//" is written as entities so the card holds no URL (as the monitor's report)
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//)")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    return plt


def card_charts(card: dict[str, Any]) -> dict[str, str]:
    """``best_of_n`` and ``biases`` charts as inline SVG (absent when there is no data)."""
    plt = _plt()
    out: dict[str, str] = {}
    bon = card.get("best_of_n")
    if bon:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot(bon["ns"], bon["gold"], marker="o", color="#27ae60", label="gold of the pick")
        ax.set_xlabel("n (candidates drawn)")
        ax.set_ylabel("P(pick is correct)")
        ax2 = ax.twinx()
        ax2.plot(
            bon["ns"],
            bon["proxy_z"],
            marker=".",
            color="#c0392b",
            linestyle="--",
            label="scorer's own z-score of the pick",
        )
        ax2.set_ylabel("proxy (within-problem z)")
        fig.legend(loc="lower center", ncol=2, bbox_to_anchor=(0.5, -0.12), frameon=False)
        out["best_of_n"] = _svg(fig)
        plt.close(fig)
    probes = card.get("biases") or []
    if probes:
        fig, ax = plt.subplots(figsize=(6, 0.45 * len(probes) + 0.8))
        for i, p in enumerate(probes):
            lo, hi = p["ci"]
            colour = "#c0392b" if p["flagged"] else "#7f8c8d"
            ax.errorbar(
                [p["effect"]],
                [i],
                xerr=[[p["effect"] - lo], [hi - p["effect"]]],
                fmt="o",
                color=colour,
                capsize=3,
            )
        ax.axvline(0, color="#222", linewidth=0.8)
        ax.set_yticks(range(len(probes)), [f"{p['probe']} ({p['kind']})" for p in probes])
        ax.invert_yaxis()
        ax.set_xlabel("effect with 95% interval (red: flagged)")
        out["biases"] = _svg(fig)
        plt.close(fig)
    return out


def _env() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("proctor.audit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["num"] = lambda v, d=3: "–" if v is None or v != v else f"{v:.{d}f}"
    return env


def render_card(card: dict[str, Any]) -> str:
    """One scorer's card as an HTML string."""
    html = (
        _env()
        .get_template("card.html.j2")
        .render(card=card, charts=card_charts(card), raw=json.dumps(card, separators=(",", ":")))
    )
    return _URL.sub(r"\1:&#47;&#47;", html)


def render_index(
    rows: list[dict[str, Any]], title: str, extra: dict[str, Any] | None = None
) -> str:
    """The summary page over many cards (links are relative file names)."""
    plt = _plt()
    chart = ""
    with_acc = [r for r in rows if r.get("accuracy") is not None]
    if with_acc:
        with_acc = sorted(with_acc, key=lambda r: r["accuracy"])
        fig, ax = plt.subplots(figsize=(6, 0.25 * len(with_acc) + 0.8))
        for i, r in enumerate(with_acc):
            lo, hi = r["accuracy_ci"]
            ax.errorbar(
                [r["accuracy"]],
                [i],
                xerr=[[r["accuracy"] - lo], [hi - r["accuracy"]]],
                fmt="o",
                color="#2c3e50",
                capsize=2,
            )
        ax.set_yticks(range(len(with_acc)), [r["scorer"] for r in with_acc])
        ax.set_xlabel("1-vs-rest accuracy with 95% interval")
        chart = _svg(fig)
        plt.close(fig)
    html = (
        _env()
        .get_template("index.html.j2")
        .render(rows=rows, title=title, chart=chart, extra=extra or {})
    )
    return _URL.sub(r"\1:&#47;&#47;", html)


def write_html(text: str, path: Path) -> Path:
    """Write ``text`` to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["card_charts", "render_card", "render_index", "write_html"]
