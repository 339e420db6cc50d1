"""The self-contained HTML report: one file that opens offline and can be explored.

The page carries its own scripts (the vendored uPlot charting library and the
report's script) and the run's data as JSON; it loads nothing. Everything taken
from the run (code, evidence, task ids) is untrusted:

- the server-rendered part (status, alerts, ranked hacks) is HTML-escaped by
  jinja2's autoescape, with any ``scheme://`` defanged (``:&#47;&#47;``);
- the JSON escapes ``<``, ``>`` and ``&`` (so ``</script>`` cannot close its
  block) and writes ``://`` as ``:\\/\\/``, so the file holds no URL;
- the script puts data on screen with ``textContent`` only, never as markup;
- a Content-Security-Policy allows only the page's own scripts (by hash) and no
  network at all, so even an injected script would not run.

Large payloads are gzipped and base64-encoded (decoded in the page with the
browser's ``DecompressionStream``).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from proctor.monitor._analyse import Analysis
from proctor.monitor._config import SEVERITY_RANK
from proctor.monitor._report_data import REWARDED_SHOWN, ReportRun, run_payload

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//)")
_UPLOT_BANNER = re.compile(r"^/\*!.*?\*/", re.S)
_UPLOT_NOTICE = "/*! uPlot v1.6.32 | (c) 2022 Leon Sorokin | MIT License (see uPlot.LICENSE) */"
COMPRESS_ABOVE = 1_000_000
"""JSON payloads larger than this many characters are embedded gzipped (base64)."""

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


def _asset(name: str) -> str:
    return (resources.files("proctor.monitor") / "templates" / name).read_text("utf-8")


def embed_json(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` and holds no URL."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=True)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("://", ":\\/\\/")


def _data_block(payload: dict[str, Any], compress_above: int) -> tuple[str, str]:
    """``(encoding, text)`` for the page's data block."""
    text = embed_json(payload)
    if len(text) <= compress_above:
        return "json", text
    packed = gzip.compress(text.encode("ascii"), compresslevel=9, mtime=0)
    return "gzip+base64", base64.b64encode(packed).decode("ascii")


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def render_report(
    analysis: Analysis,
    name: str = "run",
    *,
    rollouts: Any = (),
    grades: Any = (),
    verdicts: Any = (),
    tasks: Any = None,
    compare: ReportRun | None = None,
    compress_above: int = COMPRESS_ABOVE,
) -> str:
    """The report as an HTML string.

    ``rollouts``, ``grades`` and ``verdicts`` (every detector's, or only the ensemble's)
    fill the rollout browser; without them it is empty and the alerts' example
    rollouts are the only ones shown. ``tasks`` (id -> `Task`) lets the code view show
    the program the detectors read, so evidence line numbers match. ``compare`` adds a
    second run, overlaid on the first in the comparison charts and summarised beside it.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    runs = [ReportRun(analysis, name, rollouts, grades, verdicts, tasks)]
    if compare is not None:
        runs.append(compare)
    payloads = [run_payload(r) for r in runs]
    env = Environment(
        loader=PackageLoader("proctor.monitor", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    first = payloads[0]
    html = env.get_template("report.html.j2").render(
        name=name,
        summary=analysis.summary(),
        # the worst first: hack, then warning, then info; each in the order they fired
        alerts=sorted(analysis.alerts, key=lambda a: (-SEVERITY_RANK[a.severity], a.first_step)),
        rollouts=int(analysis.table.counts.sum()),
        embedded=len(first["rollouts"]["id"]),
        config=json.dumps(analysis.config.model_dump(), separators=(",", ":")),
        segments=offline_change_points(analysis),
        rewarded=first["rewarded"][:REWARDED_SHOWN],
        rewarded_total=len(first["rewarded"]),
        compare=[
            {
                "name": p["name"],
                "status": p["status"],
                "summary": p["summary"],
                "rollouts": len(p["rollouts"]["id"]),
                "rewarded": len(p["rewarded"]),
                "steps": len(p["signals"]["steps"]),
            }
            for p in payloads
        ]
        if compare is not None
        else None,
        compare_alerts=[r.analysis.alerts for r in runs] if compare is not None else None,
    )
    html = _URL.sub(r"\1:&#47;&#47;", html)
    encoding, data = _data_block({"version": 1, "runs": payloads}, compress_above)
    uplot = _UPLOT_BANNER.sub(_UPLOT_NOTICE, _asset("uPlot.iife.min.js"), count=1)
    app = _asset("report.js")
    csp = (
        "default-src 'none'; script-src "
        + " ".join(_sha256(s) for s in (uplot, app))
        + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    # placeholders are inserted after escaping: markup from the run cannot produce them
    for placeholder, value in (
        ("<!--proctor:csp-->", f'<meta http-equiv="Content-Security-Policy" content="{csp}">'),
        ("/*proctor:css*/", _asset("uPlot.min.css") + "\n" + _asset("report.css")),
        (
            "<!--proctor:data-->",
            f'<script type="application/json" id="report-data" data-encoding="{encoding}">'
            f"{data}</script>",
        ),
        ("<!--proctor:scripts-->", f"<script>{uplot}</script>\n<script>{app}</script>"),
    ):
        html = html.replace(placeholder, value, 1)
    return html


def write_report(
    analysis: Analysis,
    path: Path,
    name: str = "run",
    *,
    rollouts: Any = (),
    grades: Any = (),
    verdicts: Any = (),
    tasks: Any = None,
    compare: ReportRun | None = None,
) -> Path:
    """Write the report to ``path`` (parents created); returns the path. See `render_report`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(
        analysis,
        name,
        rollouts=rollouts,
        grades=grades,
        verdicts=verdicts,
        tasks=tasks,
        compare=compare,
    )
    path.write_text(html, encoding="utf-8")
    return path


__all__ = [
    "COMPRESS_ABOVE",
    "SEGMENTED",
    "ReportRun",
    "embed_json",
    "offline_change_points",
    "render_report",
    "write_report",
]
