"""The report shows model-internal signals: a chart, the probe column, and labelled alerts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proctor.monitor import analyse, render_report, write_report
from proctor.monitor._report_data import ReportRun, run_payload

CHROMIUM = "/usr/bin/chromium"


def _probed(make_run: Any) -> tuple[list[Any], list[Any], list[Any]]:
    rs, gs, vs = make_run(12, steps=30, ramp=0.04, seed=2)
    hacks = {v.rollout_id for v in vs if v.label == "hack"}
    rng = np.random.default_rng(0)
    out = []
    for r in rs:
        rising = rng.random() < min(0.8, max(0.0, 0.1 * ((r.step or 0) - 5)))
        score = 0.9 if r.id in hacks or rising else 0.1
        out.append(r.model_copy(update={"meta": {"probe_score": score}}))
    return out, gs, vs


def test_payload_carries_the_probe_series_forecast_and_column(make_run: Any) -> None:
    rs, gs, vs = _probed(make_run)
    payload = run_payload(ReportRun(analyse(rs, gs, vs), "probed", rs, gs, vs))
    series = payload["signals"]["series"]
    assert {series[n]["kind"] for n in ("probe_mean", "probe_p90", "probe_above")} == {"internal"}
    assert payload["signals"]["probe_forecast"] is not None
    assert payload["rollouts"]["probe"][: len(rs)] == [r.meta["probe_score"] for r in rs]


def test_a_run_without_probe_scores_has_no_probe_column(make_run: Any) -> None:
    rs, gs, vs = make_run(12, steps=20)
    payload = run_payload(ReportRun(analyse(rs, gs, vs), "plain", rs, gs, vs))
    assert "probe" not in payload["rollouts"]
    assert payload["signals"]["probe_forecast"] is None


def test_internal_alerts_are_labelled_model_internal_in_the_page(make_run: Any) -> None:
    rs, gs, vs = _probed(make_run)
    html = render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs)
    assert re.search(r"<b>probe_forecast</b> on <code>probe_above</code> \(model-internal\)", html)


@pytest.fixture()
def page(browser_page_factory: Any, make_run: Any, tmp_path: Path) -> Any:
    rs, gs, vs = _probed(make_run)
    path = write_report(
        analyse(rs, gs, vs), tmp_path / "r.html", rollouts=rs, grades=gs, verdicts=vs
    )
    return browser_page_factory(path)


@pytest.fixture()
def browser_page_factory() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"no chromium at {CHROMIUM}: install the system chromium package")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_page(path: Path) -> Any:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready]", state="attached")
            return page

        yield open_page
        browser.close()
    assert errors == []


def test_the_page_draws_the_internal_chart_and_the_probe_column(page: Any) -> None:
    assert page.locator("#chart-internal").count() == 1
    legend = page.inner_text("#chart-internal .u-legend")
    assert "probe_mean (model-internal)" in legend and "P(probe flags reach" in legend
    headers = page.eval_on_selector_all("#rb-table thead th", "hs => hs.map(h => h.textContent)")
    assert headers[-1] == "probe"
    page.click('#rb-table thead th[data-sort="probe"]')
    first = page.eval_on_selector("#rb-table tbody tr td:last-child", "td => td.textContent")
    assert first.startswith("0.9")
