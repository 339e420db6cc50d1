"""Cost of the judge's comparison: strict vs evalplus mode, on every HumanEval+ output.

The 164 canonical solutions run in this process (trusted benchmark data, not graded
code) on their base and plus inputs; each output is then judged against a decoded copy
of itself (what the judge sees: plain values from the codec) by both modes, interleaved,
five rounds. Writes benchmarks/results/compare-modes.json with the median time per
comparison in each mode and their ratio.

    python benchmarks/compare_modes.py [--data PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from proctor.graders._compare import outputs_match, poly_root_ok
from proctor.sandbox.runtime import codec

_DATA = (
    Path(os.environ.get("PROCTOR_SHARED_DATA", "/work/shared/data"))
    / "humanevalplus"
    / "HumanEvalPlus.jsonl.gz"
)


def _outputs(data: Path) -> list[tuple[Any, Any, float, bool, list[Any]]]:
    """(output, decoded copy, atol, poly_root?, args) for every test of every task."""
    pairs = []
    for row in map(json.loads, gzip.open(data, "rt")):
        namespace: dict[str, Any] = {}
        exec(row["prompt"] + row["canonical_solution"], namespace)
        fn = namespace[row["entry_point"]]
        for args in row["base_input"] + row["plus_input"]:
            try:
                out = fn(*json.loads(json.dumps(args)))
                copy = codec.loads(codec.dumps(out))
            except Exception:
                continue
            pairs.append(
                (out, copy, float(row["atol"] or 0), row["task_id"] == "HumanEval/32", args)
            )
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=_DATA)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"HumanEval+ not found at {args.data} (pass --data)")
    pairs = _outputs(args.data)
    times: dict[str, list[float]] = {"strict": [], "evalplus": []}
    for _ in range(args.rounds):
        for mode in ("evalplus", "strict"):
            started = time.process_time()
            for out, copy, atol, poly, call in pairs:
                if poly:
                    assert poly_root_ok(call, copy, atol, mode)  # type: ignore[arg-type]
                else:
                    assert outputs_match(copy, out, atol, mode)  # type: ignore[arg-type]
            times[mode].append(time.process_time() - started)
    result = {
        "comparisons": len(pairs),
        "median_cpu_s": {m: round(statistics.median(t), 4) for m, t in times.items()},
        "us_per_comparison": {
            m: round(statistics.median(t) / len(pairs) * 1e6, 3) for m, t in times.items()
        },
        "strict_over_evalplus": round(
            statistics.median(times["strict"]) / statistics.median(times["evalplus"]), 3
        ),
    }
    print(json.dumps(result))
    out = Path(__file__).parent / "results" / "compare-modes.json"
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
