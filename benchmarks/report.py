"""The explorable report on a shipped lab run: file size, render time, load time in Chromium.

    .venv/bin/python benchmarks/report.py [--run naive-exec-s1] [--scale 10] [--repeats 3]
                                          [--screenshots docs/img]

One shipped lab run (`src/proctor/bench/lab/runs/`, 50 steps × 64 rollouts) is copied to
``--runs-dir``, detected once (every detector's verdicts stored; cached for the next
time), analysed and written as a report, three ways:

- **lab run**: as shipped (3,200 rollouts, many repeated programs);
- **scaled, repeats**: the run's records repeated ``--scale`` times along the step axis
  (32,000 rollouts; programs repeat as in the lab);
- **scaled, all distinct**: the same, with every program made distinct by a trailing
  comment (the worst case for the report's program table).

For each: the HTML file's size, against the baseline of the same records as plain
JSON (one object per rollout with its grade and ensemble verdict, what a tool
without the report's shared tables would embed), gzip-compressed on the right;
Python's render time; and in headless Chromium (the system package, every network
route blocked) the time from navigation to the page being interactive and the time
one free-text search over every rollout takes. Medians of ``--repeats``. Writes
benchmarks/results/report.md and report.json. ``--screenshots DIR`` also saves a
screenshot of each view of the lab run's report compared with a benign lab run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proctor.bench.corpus import load_corpus
from proctor.judge import detect_missing
from proctor.monitor import ReportRun, analyse, write_report
from proctor.monitor._report_data import stored_verdicts
from proctor.monitor._run import analyse_records, load_run
from proctor.records import Grade, Rollout, Verdict

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
LAB_RUNS = ROOT / "src" / "proctor" / "bench" / "lab" / "runs"
CHROMIUM = "/usr/bin/chromium"


def _prepared(name: str, runs_dir: Path) -> ReportRun:
    """The shipped run, copied, detected (stored) and analysed."""
    target = runs_dir / name
    if not (target / "run.sqlite").is_file():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(LAB_RUNS / name, target)
    records = load_run(target)
    tasks = load_corpus()[0]
    new = detect_missing(records.rollouts, records.grades, records.verdicts, tasks, target)
    records.verdicts.extend(v for v in new if v.detector == "ensemble")
    verdicts = stored_verdicts(target) or records.verdicts
    return ReportRun(
        analyse_records(records), name, records.rollouts, records.grades, verdicts, tasks
    )


def _scaled(run: ReportRun, times: int, distinct: bool) -> ReportRun:
    """The run's records repeated ``times`` times along the step axis."""
    steps = 1 + max((r.step or 0) for r in run.rollouts)
    rollouts: list[Rollout] = []
    grades: list[Grade] = []
    verdicts: list[Verdict] = []
    grade_of: dict[str, list[Grade]] = {}
    for g in run.grades:
        grade_of.setdefault(g.rollout_id, []).append(g)
    verdicts_of: dict[str, list[Verdict]] = {}
    for v in run.verdicts:
        verdicts_of.setdefault(v.rollout_id, []).append(v)
    for k in range(times):
        for n, r in enumerate(run.rollouts):
            rid = f"x{k}/{r.id}"
            code = r.code or r.completion or ""
            if distinct:
                code += f"\n# variant {k}-{n}\n"
            rollouts.append(
                r.model_copy(
                    update={
                        "id": rid,
                        "step": (r.step or 0) + k * steps,
                        "code": code,
                        "group": f"x{k}/{r.group}",
                    }
                )
            )
            grades += [g.model_copy(update={"rollout_id": rid}) for g in grade_of.get(r.id, [])]
            verdicts += [
                v.model_copy(update={"rollout_id": rid}) for v in verdicts_of.get(r.id, [])
            ]
    ensemble = [v for v in verdicts if v.detector == "ensemble"]
    label = f"{run.name} ×{times}" + (" (all distinct)" if distinct else "")
    return ReportRun(
        analyse(rollouts, grades, ensemble), label, rollouts, grades, verdicts, run.tasks
    )


def _plain_json(run: ReportRun) -> bytes:
    grade_of = {g.rollout_id: g for g in run.grades}
    ens = {v.rollout_id: v for v in run.verdicts if v.detector == "ensemble"}
    rows = []
    for r in run.rollouts:
        g, v = grade_of.get(r.id), ens.get(r.id)
        rows.append(
            {
                "rollout": r.model_dump(mode="json", exclude={"meta"}),
                "grade": g.model_dump(mode="json") if g else None,
                "verdict": v.model_dump(mode="json") if v else None,
            }
        )
    return json.dumps(rows, separators=(",", ":")).encode()


def _write(run: ReportRun, path: Path, compare: ReportRun | None = None) -> float:
    started = time.perf_counter()
    write_report(
        run.analysis,
        path,
        run.name,
        rollouts=run.rollouts,
        grades=run.grades,
        verdicts=run.verdicts,
        tasks=run.tasks,
        compare=compare,
    )
    return time.perf_counter() - started


def _browser_times(path: Path, repeats: int, query: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    load, search = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
            )
            page.goto(path.as_uri())
            page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=120_000)
            load.append(page.evaluate("window.proctorReport.readyAt") / 1000)
            search.append(
                page.evaluate(
                    "q => { const t = performance.now(); window.proctorReport.browser.set({q: q});"
                    " return (performance.now() - t) / 1000; }",
                    query,
                )
            )
            page.close()
        browser.close()
    return {"load_s": statistics.median(load), "search_s": statistics.median(search)}


def _screenshots(path: Path, out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page.goto(path.as_uri())
        page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=120_000)

        # the sticky navigation bar would cover the top of each section's picture
        page.evaluate("document.getElementById('nav').style.position = 'static'")

        def shot(name: str, selector: str) -> None:
            page.locator(selector).screenshot(path=str(out / f"report-{name}.png"))
            shots.append(f"report-{name}.png")

        page.evaluate(
            "document.querySelectorAll('#alerts details.alert')"
            ".forEach((d, i) => { d.open = i < 3; })"
        )
        shot("status", "#top")
        shot("alerts", "#alerts")
        shot("rewarded", "#rewarded")
        timeline = page.locator("#chart-timeline .u-over")
        timeline.scroll_into_view_if_needed()
        box = timeline.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + 30)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + 30, steps=4)
        page.mouse.up()
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
        shot("charts", "#charts")
        page.evaluate(
            "(() => { const u = window.proctorReport.charts.timeline, x = u.data[0];"
            " u.setScale('x', {min: x[0], max: x[x.length - 1]}); })()"
        )
        page.click("#rewarded-table button.open >> nth=0")
        page.wait_for_timeout(200)
        shot("rollouts", "#rollouts")
        shot("compare", "#compare")
        page.evaluate("document.getElementById('compare-signals').scrollIntoView()")
        shot("compare-charts", "#compare-charts")
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", default="naive-exec-s1", help="a shipped lab run")
    parser.add_argument(
        "--benign",
        default="hardened-no-test_targeting-s0",
        help="the shipped run the screenshots compare with",
    )
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs-dir", type=Path, default=Path("/tmp/proctor-bench-report"))
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument(
        "--no-measure",
        action="store_true",
        help="only the screenshots; leave the results files alone",
    )
    args = parser.parse_args()
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    lab = _prepared(args.run, args.runs_dir)
    if args.no_measure:
        if args.screenshots is not None:
            path = args.runs_dir / "report-compare.html"
            _write(lab, path, compare=_prepared(args.benign, args.runs_dir))
            print(_screenshots(path, args.screenshots))
        return
    cases = [
        ("lab run", lab),
        ("scaled, repeats", _scaled(lab, args.scale, False)),
        ("scaled, all distinct", _scaled(lab, args.scale, True)),
    ]
    rows: list[dict[str, Any]] = []
    for label, run in cases:
        path = args.runs_dir / f"report-{label.replace(' ', '_').replace(',', '')}.html"
        render = statistics.median(_write(run, path) for _ in range(args.repeats))
        plain = _plain_json(run)
        size = path.stat().st_size
        row = {
            "case": label,
            "rollouts": len(list(run.rollouts)),
            "distinct_programs": len({r.code for r in run.rollouts}),
            "html_bytes": size,
            "html_gzip_bytes": len(gzip.compress(path.read_bytes())),
            "plain_json_bytes": len(plain),
            "plain_json_gzip_bytes": len(gzip.compress(plain)),
            "render_s": render,
        }
        row |= _browser_times(path, args.repeats, "sys.exit")
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    shots: list[str] = []
    if args.screenshots is not None:
        benign = _prepared(args.benign, args.runs_dir)
        path = args.runs_dir / "report-compare.html"
        _write(lab, path, compare=benign)
        shots = _screenshots(path, args.screenshots)
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "command": "python benchmarks/report.py " + " ".join(sys.argv[1:]),
        "run": args.run,
        "repeats": args.repeats,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(
        json.dumps({"meta": meta, "rows": rows, "screenshots": shots}, indent=1) + "\n"
    )
    lines = [
        "# The explorable report: size and speed",
        "",
        f"`{meta['command']}` ({meta['date']}, Python {meta['python']}, {meta['machine']}); "
        f"lab run `{args.run}`; medians of {args.repeats}. Load: navigation to interactive "
        "(data decoded, charts drawn, browser filled) in headless Chromium with the network "
        "blocked. Search: one free-text query (`sys.exit`) over every rollout. Baseline: the "
        "same records as plain JSON (rollout, grade and ensemble verdict per rollout).",
        "",
        "| case | rollouts | distinct programs | report | report gzipped | plain JSON "
        "(ratio report / JSON) | render (Python) | load (Chromium) | search |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r["html_bytes"] / r["plain_json_bytes"]
        lines.append(
            f"| {r['case']} | {r['rollouts']:,} | {r['distinct_programs']:,} | "
            f"{r['html_bytes'] / 1e6:.2f} MB | {r['html_gzip_bytes'] / 1e6:.2f} MB | "
            f"{r['plain_json_bytes'] / 1e6:.2f} MB ({ratio:.2f}) | "
            f"{r['render_s']:.2f} s | {r['load_s']:.2f} s | {r['search_s'] * 1000:.0f} ms |"
        )
    (RESULTS / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
