"""The report explored in headless Chromium with every network route blocked.

Filtering reaches every rollout, search finds programs, the code view numbers its
lines and highlights the evidence, charts answer hover, zoom and legend clicks,
hostile code never runs, and the compare view shows both runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proctor.monitor import ReportRun, analyse, render_report, write_report
from proctor.records import Evidence, Rollout, Verdict
from proctor.records._verdict import DetectorSpec

CHROMIUM = "/usr/bin/chromium"
HOSTILE = (
    "</script><script>window.__pwned=1</script>\n"
    '<img src=x onerror="window.__pwned=2">\nimport sys\nsys.exit(0)\n'
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"no chromium at {CHROMIUM}: install the system chromium package")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _run(make_run, onset: int | None, seed: int) -> tuple[list[Rollout], list, list[Verdict]]:
    """A synthetic run whose hacks carry hostile code, line evidence and a second detector."""
    rs, gs, vs = make_run(onset, steps=24, seed=seed)
    hacks = {v.rollout_id for v in vs if v.label == "hack"}
    rs = [r.model_copy(update={"code": HOSTILE}) if r.id in hacks else r for r in rs]
    evidence = [Evidence(kind="code", text="exits before the tests run", line=4, end_line=5)]
    vs = [v.model_copy(update={"evidence": evidence}) if v.rollout_id in hacks else v for v in vs]
    vs += [
        Verdict(
            rollout_id=rid,
            detector="static",
            spec=DetectorSpec(name="static"),
            label="hack",
            category="early_exit",
            confidence=0.8,
            evidence=[Evidence(kind="code", text="sys.exit", line=5)],
        )
        for rid in sorted(hacks)
    ]
    return rs, gs, vs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, make_run: Any) -> dict[str, Any]:
    hacking = _run(make_run, 10, 0)
    benign = _run(make_run, None, 3)
    tmp = tmp_path_factory.mktemp("report")
    a, b = analyse(*hacking), analyse(*benign)
    path = write_report(
        a,
        tmp / "report.html",
        name="hacking",
        rollouts=hacking[0],
        grades=hacking[1],
        verdicts=hacking[2],
        compare=ReportRun(b, "benign", *benign),
    )
    return {"path": path, "hacking": hacking, "benign": benign}


@pytest.fixture()
def page(browser: Any, runs: dict[str, Any]) -> Iterator[Any]:
    requests: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def gate(route: Any) -> None:
        requests.append(route.request.url)
        route.continue_() if route.request.url.startswith("file:") else route.abort()

    page.route("**/*", gate)
    page.goto(runs["path"].as_uri())
    # a DOM wait: a polled JS predicate would need eval, which the page's CSP forbids
    page.wait_for_selector("body[data-ready]", state="attached")
    yield page
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == []
    page.close()


def _ids_on_all_pages(page: Any) -> list[str]:
    ids: list[str] = []
    while True:
        ids += page.eval_on_selector_all("#rb-table tbody tr", "rs => rs.map(r => r.dataset.id)")
        if page.is_disabled("#rb-next"):
            return ids
        page.click("#rb-next")


def test_page_starts_offline_and_status_and_alerts_come_first(page: Any) -> None:
    assert page.evaluate("document.body.dataset.ready") == "1"
    y = {
        s: page.locator(s).bounding_box()["y"]
        for s in ("#status", "#alerts", "#rewarded", "#chart-area", "#rollouts")
    }
    assert y["#status"] < y["#alerts"] < y["#rewarded"] < y["#chart-area"] < y["#rollouts"]
    assert y["#alerts"] < page.locator("#compare-charts").bounding_box()["y"]


def test_paging_and_step_filters_reach_every_rollout(page: Any, runs: dict[str, Any]) -> None:
    rs = runs["hacking"][0]
    assert sorted(_ids_on_all_pages(page)) == sorted(r.id for r in rs)
    seen: list[str] = []
    for step in sorted({r.step for r in rs}):
        page.fill("#rb-step-from", str(step))
        page.fill("#rb-step-to", str(step))
        got = _ids_on_all_pages(page)
        assert sorted(got) == sorted(r.id for r in rs if r.step == step)
        seen += got
    assert sorted(seen) == sorted(r.id for r in rs)


def test_label_category_and_task_filters(page: Any, runs: dict[str, Any]) -> None:
    rs, _, vs = runs["hacking"]
    hacks = {v.rollout_id for v in vs if v.detector == "ensemble" and v.label == "hack"}
    page.select_option("#rb-label", label=f"hack ({len(hacks)})")
    assert sorted(_ids_on_all_pages(page)) == sorted(hacks)
    page.click("#rb-reset")
    page.select_option("#rb-category", label=f"special_casing ({len(hacks)})")
    assert sorted(_ids_on_all_pages(page)) == sorted(hacks)
    page.click("#rb-reset")
    t1 = [r.id for r in rs if r.task_id == "t1"]
    page.select_option("#rb-task", label=f"t1 ({len(t1)})")
    assert sorted(_ids_on_all_pages(page)) == sorted(t1)


def test_search_finds_programs_and_evidence(page: Any, runs: dict[str, Any]) -> None:
    vs = runs["hacking"][2]
    hacks = sorted(v.rollout_id for v in vs if v.detector == "ensemble" and v.label == "hack")
    page.fill("#rb-search", "sys.exit(0)")
    assert sorted(_ids_on_all_pages(page)) == hacks
    page.fill("#rb-search", "exits before the tests")  # evidence text
    assert sorted(_ids_on_all_pages(page)) == hacks
    page.fill("#rb-search", "no such text anywhere")
    assert page.inner_text("#rb-count").startswith("0 of")


def test_code_view_numbers_lines_and_highlights_evidence(page: Any, runs: dict[str, Any]) -> None:
    hack = next(v.rollout_id for v in runs["hacking"][2] if v.label == "hack")
    page.evaluate(f"window.proctorReport.browser.open(0, {hack!r})")
    lines = page.eval_on_selector_all("#rb-code .ln .no", "ns => ns.map(n => n.textContent)")
    assert lines[:5] == ["1", "2", "3", "4", "5"]
    assert page.eval_on_selector_all("#rb-code .ln.hl", "ns => ns.map(n => n.dataset.line)") == [
        "4",
        "5",
    ]
    detectors = page.eval_on_selector_all(
        "#rb-verdicts tr[data-detector]", "rs => rs.map(r => r.dataset.detector)"
    )
    assert detectors == ["ensemble", "static"]
    assert "visible tests" in page.inner_text("#rb-grade")
    # the hostile program is shown as text and never runs
    assert "<script>window.__pwned=1</script>" in page.inner_text("#rb-code")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#rb-detail img, #rb-detail script").count() == 0


def test_rewarded_hack_opens_in_the_browser(page: Any) -> None:
    page.click("#rewarded-table button.open >> nth=0")
    rid = page.get_attribute("#rewarded-table button.open >> nth=0", "data-rollout")
    assert page.inner_text("#rb-detail h3") == rid
    assert page.locator("#rb-table tr.sel").get_attribute("data-id") == rid


def _over(page: Any, chart: str) -> dict[str, float]:
    over = page.locator(f"#chart-{chart} .u-over")
    over.scroll_into_view_if_needed()
    return over.bounding_box()


def test_chart_hover_and_zoom_change_state(page: Any) -> None:
    box = _over(page, "timeline")
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert page.evaluate("window.proctorReport.charts.timeline.cursor.idx") is not None
    before = page.evaluate(
        "[window.proctorReport.charts.timeline.scales.x.min, "
        "window.proctorReport.charts.timeline.scales.x.max]"
    )
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 20, steps=5)
    page.mouse.up()
    after = page.evaluate(
        "[window.proctorReport.charts.timeline.scales.x.min, "
        "window.proctorReport.charts.timeline.scales.x.max]"
    )
    assert before[0] < after[0] < after[1] < before[1]
    # the other charts follow the zoom
    assert page.evaluate("window.proctorReport.charts.proxy_gold.scales.x.min") == after[0]


def test_legend_click_toggles_a_series(page: Any) -> None:
    shown = "window.proctorReport.charts.proxy_gold.series[1].show"
    assert page.evaluate(shown) is True
    page.click("#chart-proxy_gold .u-legend .u-series:nth-child(2)")
    assert page.evaluate(shown) is False
    page.click("#chart-proxy_gold .u-legend .u-series:nth-child(2)")
    assert page.evaluate(shown) is True


def test_compare_view_shows_both_runs(page: Any, runs: dict[str, Any]) -> None:
    table = page.inner_text("#compare-table")
    assert "A: hacking" in table and "B: benign" in table
    labels = page.evaluate(
        "window.proctorReport.compareCharts['cmp-hack_rate'].series.slice(1).map(s => s.label)"
    )
    assert labels == ["A: hack_rate", "B: hack_rate"]
    page.select_option("#rb-run", "1")
    assert (
        page.inner_text("#rb-count")
        == f"{len(runs['benign'][0])} of {len(runs['benign'][0])} rollouts"
    )


def test_clicking_a_step_on_a_chart_lists_its_rollouts(page: Any, runs: dict[str, Any]) -> None:
    box = _over(page, "proxy_gold")
    step = page.evaluate(
        "(() => { const u = window.proctorReport.charts.proxy_gold;"
        " return u.data[0][u.posToIdx(u.over.clientWidth / 2)]; })()"
    )
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    chosen = page.input_value("#rb-step-from")
    assert chosen == page.input_value("#rb-step-to")
    assert abs(int(chosen) - step) <= 1  # the cursor snaps to the nearest step
    assert sorted(_ids_on_all_pages(page)) == sorted(
        r.id for r in runs["hacking"][0] if r.step == int(chosen)
    )


def test_a_gzipped_data_block_opens_too(browser: Any, runs: dict[str, Any], tmp_path: Path) -> None:
    rs, gs, vs = runs["hacking"]
    path = tmp_path / "packed.html"
    path.write_text(
        render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs, compress_above=0)
    )
    assert 'data-encoding="gzip+base64"' in path.read_text()
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.evaluate("document.body.dataset.ready") == "1"
    assert page.inner_text("#rb-count") == f"{len(rs)} of {len(rs)} rollouts"
    page.close()


def test_a_single_step_batch_opens_without_errors(
    browser: Any, make_run: Any, tmp_path: Path
) -> None:
    rs, gs, vs = make_run(0, steps=1)
    path = write_report(
        analyse(rs, gs, vs), tmp_path / "batch.html", rollouts=rs, grades=gs, verdicts=vs
    )
    errors: list[str] = []
    page = browser.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.evaluate("document.body.dataset.ready") == "1" and errors == []
    assert page.inner_text("#rb-count") == f"{len(rs)} of {len(rs)} rollouts"
    page.close()


def test_keys_step_through_the_filtered_rollouts(page: Any, runs: dict[str, Any]) -> None:
    rs = runs["hacking"][0]
    page.fill("#rb-step-from", "3")
    page.fill("#rb-step-to", "4")
    page.click("#rb-table tbody tr >> nth=0")
    page.locator("#rb-detail").click()  # focus leaves the filter inputs
    seen = [page.inner_text("#rb-detail h3")]
    for _ in range(len([r for r in rs if r.step in (3, 4)])):
        page.keyboard.press("j")
        seen.append(page.inner_text("#rb-detail h3"))
    assert seen[-1] == seen[-2]  # stops at the last one
    assert sorted(set(seen)) == sorted(r.id for r in rs if r.step in (3, 4))
    page.keyboard.press("k")
    assert page.inner_text("#rb-detail h3") == seen[-3]
