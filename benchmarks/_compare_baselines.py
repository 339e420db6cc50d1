"""Grade a workload with evalplus or verl's ``prime_code`` (run by compare_graders.py).

Runs in the interpreter that has evalplus / verl installed (not proctor's venv: neither
is a proctor dependency) and imports nothing from proctor. Reads a workload JSON
written by compare_graders.py, grades every rollout the way each tool is used in
practice, and prints one ``RESULT {json}`` line: wall seconds of the grading (from
warm workers that have imported the tool; the tool's own ground-truth computation,
done once before, excluded) and each rollout's score.

    python _compare_baselines.py {evalplus|prime_code} WORKLOAD.json [--workers 2] [--probe]

``--probe`` only checks that the tool imports (exit 0) and prints its version.
evalplus: ``evalplus.evaluate.check_correctness`` with its defaults (``fast_check`` as
``evalplus.evaluate`` runs it, per-test limit ``max(1 s, 4 × reference time)``), ground
truth from its own ``trusted_exec`` (cached next to the workloads, shared by both). prime_code:
``verl.utils.reward_score.prime_code.compute_score(code, test_cases, continuous=True)``
as verl's ``default_compute_score`` calls it (the ``prime_code`` package is loaded from
verl's files without ``import verl``, whose ``__init__`` needs torch and ray).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _evalplus_truth(problems: dict[str, Any], cache: str) -> dict[str, Any]:
    if os.path.exists(cache):
        with open(cache, "rb") as f:
            return pickle.load(f)
    from evalplus.gen.util import trusted_exec

    truth = {}
    for task_id, p in problems.items():
        code = p["prompt"] + p["canonical_solution"]
        base, base_time = trusted_exec(code, p["base_input"], p["entry_point"], record_time=True)
        plus, plus_time = trusted_exec(code, p["plus_input"], p["entry_point"], record_time=True)
        truth[task_id] = {
            "base": base,
            "base_time": base_time,
            "plus": plus,
            "plus_time": plus_time,
        }
    with open(cache, "wb") as f:
        pickle.dump(truth, f)
    return truth


def _evalplus_one(args: tuple[Any, ...]) -> dict[str, Any]:
    from evalplus.evaluate import check_correctness

    problem, code, truth = args
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        ret = check_correctness("humaneval", 0, problem, code, truth, False, True)
    base, plus = ret["base"][0], ret["plus"][0]
    return {"passed": base == "pass" and plus == "pass", "detail": f"base {base}, plus {plus}"}


def _prime_code() -> Any:
    """verl's ``prime_code`` package, loaded from its files: ``import verl`` itself pulls
    torch and ray (verl is installed with ``--no-deps``), which the scorer never uses."""
    if "prime_code" in sys.modules:
        return sys.modules["prime_code"]
    import importlib.util

    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'verl'")
    folder = os.path.join(spec.submodule_search_locations[0], "utils", "reward_score", "prime_code")
    package = importlib.util.spec_from_file_location(
        "prime_code", os.path.join(folder, "__init__.py"), submodule_search_locations=[folder]
    )
    assert package is not None and package.loader is not None
    module = importlib.util.module_from_spec(package)
    sys.modules["prime_code"] = module
    package.loader.exec_module(module)
    return module


def _prime_one(args: tuple[Any, ...]) -> dict[str, Any]:
    prime_code = _prime_code()
    code, test_cases = args
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            score, _ = prime_code.compute_score(code, test_cases, continuous=True)
    except Exception as exc:  # a crash of the scorer itself is reported, not hidden
        return {"passed": False, "score": 0.0, "detail": f"scorer raised {type(exc).__name__}"}
    value = 1.0 if score is True else float(score or 0.0)
    return {"passed": value == 1.0, "score": value, "detail": f"score {value:g}"}


def _warm(tool: str) -> None:
    if tool == "evalplus":
        import evalplus.evaluate  # noqa: F401
    else:
        _prime_code()
    time.sleep(0.5)  # long enough that each warm-up lands on its own worker


def main() -> None:
    tool, path = sys.argv[1], sys.argv[2]
    workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 2
    if "--probe" in sys.argv:
        if tool == "evalplus":
            import evalplus

            print(f"evalplus {getattr(evalplus, '__version__', '?')}")
        else:
            from importlib.metadata import version

            _prime_code()
            print(f"verl {version('verl')}")
        return
    with open(path) as f:
        work = json.load(f)
    rollouts = work["rollouts"]
    if tool == "evalplus":
        problems = work["problems"]
        truth = _evalplus_truth(problems, os.path.join(os.path.dirname(path), "evalplus-truth.pkl"))
        jobs = [(problems[r["task_id"]], r["code"], truth[r["task_id"]]) for r in rollouts]
        fn = _evalplus_one
    else:
        jobs = [(r["code"], work["prime_tests"][r["task_id"]]) for r in rollouts]
        fn = _prime_one
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # warm workers (started, the tool imported) before the clock: a trainer keeps them
        list(pool.map(_warm, [tool] * workers))
        started = time.perf_counter()
        results = list(pool.map(fn, jobs))
        wall = time.perf_counter() - started
    print("RESULT " + json.dumps({"wall_s": wall, "results": results}))


if __name__ == "__main__":
    main()
