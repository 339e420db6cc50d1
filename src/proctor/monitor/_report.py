"""The self-contained HTML report: one file, inline SVG charts, no script, no URL.

Everything taken from the run (code, evidence, task ids) is untrusted: it is
HTML-escaped by jinja2's autoescape, and any ``scheme://`` it contains is
defanged (``:&#47;&#47;``) so the file holds no URL a browser or a scanner
would follow.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from proctor.monitor._analyse import Analysis

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//)")

SEGMENTED = ("hack_rate", "gap")
"""Oracle signals the report segments offline (after the fact, with ruptures)."""


def offline_change_points(analysis: Analysis) -> dict[str, list[int]] | None:
    """Steps where ``ruptures`` PELT starts a new segment, per signal in `SEGMENTED`.

    None when the ``changepoint`` extra is not installed. A finished run's explanation
    only: it sees the whole series, so it never drives an alert.
    """
    from proctor.monitor._changepoint import offline_segments

    table = analysis.table
    out: dict[str, list[int]] = {}
    try:
        for name in SEGMENTED:
            if name in table.values:
                out[name] = [int(table.steps[i]) for i in offline_segments(table.get(name))]
    except ImportError:
        return None
    return out


def render_report(analysis: Analysis, name: str = "run") -> str:
    """The report as an HTML string."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from proctor.monitor._charts import charts

    env = Environment(
        loader=PackageLoader("proctor.monitor", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    html = env.get_template("report.html.j2").render(
        name=name,
        summary=analysis.summary(),
        alerts=analysis.alerts,
        charts=charts(analysis),
        rollouts=int(analysis.table.counts.sum()),
        config=json.dumps(analysis.config.model_dump(), separators=(",", ":")),
        segments=offline_change_points(analysis),
    )
    return _URL.sub(r"\1:&#47;&#47;", html)


def write_report(analysis: Analysis, path: Path, name: str = "run") -> Path:
    """Write the report to ``path`` (parents created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(analysis, name), encoding="utf-8")
    return path


__all__ = ["SEGMENTED", "offline_change_points", "render_report", "write_report"]
