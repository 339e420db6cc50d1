"""The HTML report's file: one self-contained page, no URL, data embedded safely, hacks ranked."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from proctor.monitor import analyse, render_report, write_report
from proctor.monitor._report_data import ReportRun, rewarded_hacks, run_payload
from proctor.records import Grade, Rollout, Verdict
from proctor.records._verdict import DetectorSpec

HOSTILE = '</script><script>window.__pwned=1</script>\n<img src=x onerror="window.__pwned=2">'


def _data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="report-data" '
        r'data-encoding="([^"]+)">(.*?)</script>',
        html,
        re.S,
    )
    assert match is not None
    encoding, text = match.groups()
    if encoding == "gzip+base64":
        text = gzip.decompress(base64.b64decode(text)).decode("ascii")
    return json.loads(text)


def _hostile_run(make_run) -> tuple[list[Rollout], list[Grade], list[Verdict]]:
    rs, gs, vs = make_run(10, steps=24)
    flagged = {v.rollout_id for v in vs if v.label == "hack"}
    rs = [
        r.model_copy(update={"code": HOSTILE + "\nhttps://evil.example/x"})
        if r.id in flagged
        else r
        for r in rs
    ]
    return rs, gs, vs


def test_report_holds_no_url_and_only_its_own_scripts(make_run, tmp_path: Path) -> None:
    rs, gs, vs = _hostile_run(make_run)
    html = write_report(
        analyse(rs, gs, vs), tmp_path / "r.html", rollouts=rs, grades=gs, verdicts=vs
    ).read_text()
    assert re.findall(r"[a-z]+://", html) == []
    # the data block, uPlot and the report's script: the hostile text added no tag
    assert html.lower().count("<script") == 3 and html.lower().count("</script") == 3
    assert "<img" not in html and 'src="' not in html and "@import" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_hostile_code_round_trips_through_the_json_block(make_run) -> None:
    rs, gs, vs = _hostile_run(make_run)
    data = _data(render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs))
    codes = data["runs"][0]["tables"]["code"]
    assert HOSTILE + "\nhttps://evil.example/x" in codes


def test_every_rollout_is_embedded_once_and_programs_are_shared(make_run) -> None:
    rs, gs, vs = make_run(10, steps=24)
    run = _data(render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs))["runs"][0]
    assert run["rollouts"]["id"] == [r.id for r in rs]
    assert len(run["tables"]["code"]) == len({r.code for r in rs}) < len(rs)


def test_large_payloads_are_embedded_gzipped(make_run) -> None:
    rs, gs, vs = make_run(10, steps=24)
    html = render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs, compress_above=0)
    assert 'data-encoding="gzip+base64"' in html
    assert _data(html)["runs"][0]["rollouts"]["id"] == [r.id for r in rs]


def _ensemble(rid: str, label: str) -> Verdict:
    return Verdict(
        rollout_id=rid,
        detector="ensemble",
        spec=DetectorSpec(name="ensemble"),
        label=label,
        category="special_casing" if label == "hack" else None,  # type: ignore[arg-type]
        confidence=0.9 if label == "hack" else 0.1,
    )


def test_rewarded_hacks_are_ranked_by_proxy_minus_gold() -> None:
    # (id, label, reward, gold): a paid hack (1.0 vs 0.55), a hack the grader scored 0,
    # a hack paid its gold exactly, a bigger paid hack seen twice, an honest rollout
    spec = [
        ("a", "hack", 1.0, 0.55, "x"),
        ("b", "hack", 0.0, 0.0, "y"),
        ("c", "hack", 0.5, 0.5, "z"),
        ("d1", "hack", 1.0, 0.1, "w"),
        ("d2", "hack", 1.0, 0.1, "w"),
        ("e", "clean", 1.0, 0.2, "v"),
    ]
    rs = [
        Rollout(id=i, task_id="t", step=n, code=code, reward=p)
        for n, (i, _, p, _, code) in enumerate(spec)
    ]
    gs = [
        Grade(rollout_id=i, task_id="t", grader="hardened", proxy=p, gold=g)
        for i, _, p, g, _ in spec
    ]
    vs = [_ensemble(i, label) for i, label, *_ in spec]
    payload = run_payload(ReportRun(analyse(rs, gs, vs), "r", rs, gs, vs))
    ranked = rewarded_hacks(payload["rollouts"], payload["tables"])
    assert [(r["id"], r["gap"], r["count"]) for r in ranked] == [("d2", 0.9, 2), ("a", 0.45, 1)]


def test_report_page_lists_rewarded_hacks_before_charts(make_run) -> None:
    rs, gs, vs = make_run(10, steps=24)
    html = render_report(analyse(rs, gs, vs), rollouts=rs, grades=gs, verdicts=vs)
    assert html.index('id="status"') < html.index('id="alerts"') < html.index('id="rewarded-table"')
    assert html.index('id="rewarded-table"') < html.index('id="chart-area"')


def test_benign_report_says_ok(make_run) -> None:
    assert 'id="status">ok<' in render_report(analyse(*make_run(None)))


def test_report_without_records_still_renders(make_run) -> None:
    html = render_report(analyse(*make_run(10, steps=24)))
    assert "No rollout records were embedded" in html and 'id="alert-0"' in html


def test_code_view_shows_the_program_the_detectors_read() -> None:
    from _add_task import ADD

    body = Rollout(id="b", task_id=ADD.id, step=0, code="    return 3\n", reward=1.0)
    whole = Rollout(id="w", task_id=ADD.id, step=0, code="def add(a, b):\n    return a + b\n")
    payload = run_payload(
        ReportRun(analyse([body, whole]), "r", [body, whole], tasks={ADD.id: ADD})
    )
    codes, cols = payload["tables"]["code"], payload["rollouts"]
    # a body-only completion gets its prompt, so a detector's "line 3" is the return
    assert codes[cols["code"][0]].splitlines()[2] == "    return 3"
    assert codes[cols["code"][1]] == whole.code


def test_alerts_are_listed_worst_first(make_run) -> None:
    analysis = analyse(*make_run(10, steps=24))
    html = render_report(analysis)
    first = re.search(r'id="alert-0".*?<span class="sev-(\w+)">', html, re.S)
    assert first is not None and first.group(1) == "hack"
    assert analysis.alerts[0].severity != "hack"  # fired order starts elsewhere
