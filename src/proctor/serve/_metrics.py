"""Prometheus text-format metrics for the reward server (no client library needed)."""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Callable

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Upper bounds (seconds) of the request-latency histogram's buckets."""


class Metrics:
    """Counters and a latency histogram, rendered in Prometheus' text exposition format.

    ``readings`` map a metric name to (``"gauge"`` or ``"counter"``, help text, reader):
    they are read when rendered (the queue owns its depth and counts).
    """

    def __init__(self, readings: dict[str, tuple[str, str, Callable[[], float]]]) -> None:
        self._readings = readings
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # by HTTP status code
        self.rewards: Counter[str] = Counter()  # by RewardResult.status
        self._buckets = [0] * len(LATENCY_BUCKETS)
        self._count = 0
        self._sum = 0.0

    def request(self, code: int) -> None:
        with self._lock:
            self.requests[str(code)] += 1

    def graded(self, seconds: float, statuses: list[str]) -> None:
        """One admitted request answered after ``seconds``, with these reward statuses."""
        with self._lock:
            self._count += 1
            self._sum += seconds
            index = bisect.bisect_left(LATENCY_BUCKETS, seconds)
            if index < len(self._buckets):
                self._buckets[index] += 1
            self.rewards.update(statuses)

    def render(self) -> str:
        out: list[str] = []
        for name, (kind, doc, read) in self._readings.items():
            out += [f"# HELP {name} {doc}", f"# TYPE {name} {kind}", f"{name} {read():g}"]
        with self._lock:
            out += [
                "# HELP proctor_requests_total Requests answered, by HTTP status code.",
                "# TYPE proctor_requests_total counter",
            ]
            out += [
                f'proctor_requests_total{{code="{c}"}} {n}'
                for c, n in sorted(self.requests.items())
            ]
            out += [
                "# HELP proctor_rewards_total Samples scored, by reward status.",
                "# TYPE proctor_rewards_total counter",
            ]
            out += [
                f'proctor_rewards_total{{status="{s}"}} {n}'
                for s, n in sorted(self.rewards.items())
            ]
            name = "proctor_request_duration_seconds"
            out += [
                f"# HELP {name} Time from admission to answer of graded requests.",
                f"# TYPE {name} histogram",
            ]
            cumulative = 0
            for bound, n in zip(LATENCY_BUCKETS, self._buckets, strict=True):
                cumulative += n
                out.append(f'{name}_bucket{{le="{bound:g}"}} {cumulative}')
            out += [
                f'{name}_bucket{{le="+Inf"}} {self._count}',
                f"{name}_sum {self._sum:.6f}",
                f"{name}_count {self._count}",
            ]
        return "\n".join(out) + "\n"


__all__ = ["LATENCY_BUCKETS", "Metrics"]
