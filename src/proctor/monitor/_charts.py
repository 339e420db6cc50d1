"""The report's charts: matplotlib figures rendered to inline SVG with no external references.

Inline ``<svg>`` in HTML needs no namespace declarations, so the XML prologue, the
DOCTYPE, the metadata block and every ``xmlns`` attribute (all of which name
``http://`` URLs) are stripped: the report must open with no network and contain
no URL at all. Alert markers carry an ``id`` (``alert-marker-N``) via ``gid`` so a
browser test can find them.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from proctor.monitor._analyse import Analysis

_COLOURS = {"hack": "#c0392b", "warning": "#e67e22", "info": "#7f8c8d"}
_STRIP = [
    re.compile(p, re.S)
    for p in (
        r"<\?xml.*?\?>",
        r"<!DOCTYPE.*?>",
        r"<metadata>.*?</metadata>",
        r'\s+xmlns(:\w+)?="[^"]*"',
    )
]


def _svg(fig: object) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    text = buf.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    return text.strip()


def _markers(ax: Axes, analysis: Analysis) -> None:
    onset = analysis.onset_step
    if onset is not None:
        ax.axvline(
            onset, color="#8e44ad", linestyle="--", linewidth=1.5, label=f"onset (step {onset})"
        ).set_gid("onset-marker")
    for n, alert in enumerate(analysis.alerts):
        if alert.severity == "info":
            continue
        line = ax.axvline(
            alert.first_step,
            color=_COLOURS[alert.severity],
            alpha=0.6,
            linewidth=1.0,
            linestyle=":",
        )
        line.set_gid(f"alert-marker-{n}")


def charts(analysis: Analysis) -> dict[str, str]:
    """Chart name -> inline SVG: ``timeline``, ``categories``, ``proxy_gold``, ``behaviour``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    table = analysis.table
    steps = table.steps
    out: dict[str, str] = {}

    fig, ax = plt.subplots(figsize=(9, 3.2))
    for name, colour in (("hack_rate", "#c0392b"), ("unsure_rate", "#f1c40f"), ("gap", "#2c3e50")):
        if name in table.values:
            ax.plot(steps, table.get(name), marker=".", color=colour, label=f"{name} (oracle)")
    if analysis.forecasts:
        ax.plot(
            steps,
            [f.probability for f in analysis.forecasts],
            color="#16a085",
            alpha=0.8,
            label=f"P(onset ≤ {analysis.config.forecast.horizon} steps)",
        )
    ax.axhline(analysis.config.hack_rate.threshold, color="#c0392b", alpha=0.3, linewidth=0.8)
    _markers(ax, analysis)
    ax.set_xlabel("step")
    gap = table.get("gap")
    low = float(np.nanmin(gap)) if np.isfinite(gap).any() else 0.0
    ax.set_ylim(min(-0.05, low - 0.05), 1.05)  # the gap can be negative (gold above proxy)
    ax.legend(loc="upper left", fontsize=7, ncol=3)
    ax.set_title("Timeline: oracle-adjacent signals, forecast, onset and alerts")
    out["timeline"] = _svg(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 2.6))
    cats = sorted(n for n in table.values if n.startswith("hack_rate/"))
    if cats:
        ax.stackplot(
            steps,
            *[np.nan_to_num(table.get(c)) for c in cats],
            labels=[c.split("/", 1)[1] for c in cats],
            alpha=0.8,
        )
        ax.legend(loc="upper left", fontsize=7, ncol=2)
    else:
        ax.text(0.5, 0.5, "no rollout labelled hack", ha="center", transform=ax.transAxes)
    _markers(ax, analysis)
    ax.set_xlabel("step")
    ax.set_ylabel("share of rollouts")
    ax.set_title("Hack rate by category (ensemble detector)")
    out["categories"] = _svg(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 2.6))
    for name, colour in (("proxy_mean", "#2980b9"), ("gold_mean", "#27ae60")):
        if name in table.values:
            ax.plot(steps, table.get(name), marker=".", color=colour, label=name)
    _markers(ax, analysis)
    ax.set_xlabel("step")
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("Proxy (training reward) vs gold (held-out tests)")
    out["proxy_gold"] = _svg(fig)
    plt.close(fig)

    others = [n for n, k in table.kinds.items() if k != "oracle"][:10]
    fig, ax = plt.subplots(figsize=(9, 2.6))
    for name in others:
        col = table.get(name)
        ok = col[~np.isnan(col)]
        if ok.size:
            span = float(ok.max() - ok.min()) or 1.0
            ax.plot(
                steps, (col - ok.min()) / span, label=f"{name} ({table.kinds[name]})", linewidth=1
            )
    if not others:
        ax.text(0.5, 0.5, "no behavioural or geometry signal", ha="center", transform=ax.transAxes)
    else:
        ax.legend(loc="upper left", fontsize=6, ncol=3)
    _markers(ax, analysis)
    ax.set_xlabel("step")
    ax.set_ylabel("min-max scaled")
    ax.set_title("Behavioural and geometry signals (warn, never convict)")
    out["behaviour"] = _svg(fig)
    plt.close(fig)
    return out


__all__ = ["charts"]
