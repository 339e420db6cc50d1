"""The math-verify worker: one JSON request per line on stdin, one JSON answer per line out.

Runs as ``python -m proctor.rewards._math_worker`` in a process of its own, because
math-verify's time limits use SIGALRM (main thread only) and sympy can spin on a
hostile expression: the parent kills and replaces a worker that runs past its limit.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def check(answer: str, gold: str, timeout: int) -> dict[str, Any]:
    """Parse both sides with math-verify and compare them."""
    from math_verify import parse, verify  # type: ignore[import-untyped,unused-ignore]

    target = parse(gold, parsing_timeout=timeout) or parse(f"${gold}$", parsing_timeout=timeout)
    if not target:
        return {"ok": False, "error": f"the reference answer {gold[:80]!r} could not be parsed"}
    found = parse(answer, parsing_timeout=timeout)
    if not found:
        return {"ok": False, "error": "no final answer found in the completion"}
    ok = bool(verify(target, found, timeout_seconds=timeout))
    return {"ok": ok, "parsed": str(found[-1])[:200]}


def main() -> None:
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = check(str(request["answer"]), str(request["gold"]), int(request["timeout"]))
        except Exception as exc:  # one bad request must not end the worker
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
