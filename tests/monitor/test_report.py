"""The HTML report: self-contained, no URL, escapes hostile content, renders in headless Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from proctor.monitor import analyse, render_report, write_report

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture()
def report(tmp_path: Path, make_run) -> Path:
    rs, gs, vs = make_run(10, steps=24)
    # hostile content in a flagged rollout: markup and a URL must come out inert
    hostile = "<script>fetch('https://evil.example/x')</script>"
    flagged = {v.rollout_id for v in vs if v.label == "hack"}
    rs = [r.model_copy(update={"code": hostile}) if r.id in flagged else r for r in rs]
    return write_report(analyse(rs, gs, vs), tmp_path / "report.html", name="synthetic")


def test_report_has_no_url_and_no_script(report: Path) -> None:
    html = report.read_text()
    assert re.findall(r"https?://", html) == []
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    assert 'src="' not in html and "@import" not in html


def test_report_shows_alerts_with_examples_and_markers(report: Path) -> None:
    html = report.read_text()
    for chart in ("timeline", "categories", "proxy_gold", "behaviour"):
        assert f'id="chart-{chart}"' in html
    assert 'id="alert-0"' in html and "Suggested action" in html
    assert re.search(r'id="alert-marker-\d+"', html) and 'id="onset-marker"' in html


def test_benign_report_says_ok(make_run) -> None:
    assert 'id="status">ok<' in render_report(analyse(*make_run(None)))


def test_report_renders_its_charts_offline_in_headless_chromium(report: Path) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"no chromium at {CHROMIUM}: install the system chromium package")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", lambda route: (requests.append(route.request.url),
                                          route.abort() if not route.request.url.startswith("file:")
                                          else route.continue_()))
        page.goto(report.as_uri())
        boxes = {}
        for chart in ("timeline", "categories", "proxy_gold", "behaviour"):
            box = page.locator(f"#chart-{chart} svg").bounding_box()
            boxes[chart] = box
        markers = page.locator("[id^=alert-marker-]").count()
        onset = page.locator("#onset-marker").count()
        browser.close()
    assert all(b is not None and b["width"] > 0 and b["height"] > 0 for b in boxes.values()), boxes
    assert markers > 0 and onset > 0
    assert [u for u in requests if not u.startswith("file:")] == []
