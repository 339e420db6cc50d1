"""`proctor monitor report` on a real-model run beside its twin, exactly as a user runs it.

Each run is read into a run store with the CLI (`proctor monitor ingest --from trl`, the
TRL completions tables the run wrote), then `proctor monitor report RUN --compare TWIN`
writes the HTML report; ``--screenshots DIR`` saves a picture of each of its views (the
same views as benchmarks/report.py, headless Chromium, every network route blocked)::

    python benchmarks/lab_llm_report.py                      # the shipped pair
    python benchmarks/lab_llm_report.py --screenshots docs/img/lab-llm
    python benchmarks/lab_llm_report.py --run RUN_DIR --twin TWIN_DIR
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from proctor.bench.lab.llm import RUNS_DIR


def _cli(*args: str) -> None:
    proctor = Path(sys.executable).parent / "proctor"
    print("$ proctor " + " ".join(args), flush=True)
    subprocess.run([str(proctor), *args], check=True)


def _run_dir(name_or_path: str) -> Path:
    path = Path(name_or_path)
    return path if path.is_dir() else RUNS_DIR / name_or_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", default="llm-naive-exec-s0", help="shipped name or a run dir")
    parser.add_argument("--twin", default="llm-hardened-s0", help="shipped name or a run dir")
    parser.add_argument("--work", type=Path, default=Path("/tmp/proctor-lab-llm-report"))
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    run, twin = _run_dir(args.run), _run_dir(args.twin)
    args.work.mkdir(parents=True, exist_ok=True)
    stores = []
    for r in (run, twin):
        store = args.work / r.name
        shutil.rmtree(store, ignore_errors=True)
        _cli(
            "monitor",
            "ingest",
            str(store),
            "--from",
            "trl",
            str(r / "trainer" / "completions"),
            "--task-key",
            "proctor_task_id",
            "--tasks",
            str(r / "tasks.jsonl"),
        )
        stores.append(store)
    html = args.work / f"{run.name}-vs-{twin.name}.html"
    _cli(
        "monitor",
        "report",
        str(stores[0]),
        "--compare",
        str(stores[1]),
        "--tasks",
        str(run / "tasks.jsonl"),
        "--out",
        str(html),
        "--workers",
        "1",
    )
    print(f"report: {html}")
    if args.screenshots is not None:
        from report import _screenshots  # a sibling script: its folder is on sys.path

        print(_screenshots(html, args.screenshots))


if __name__ == "__main__":
    main()
