"""``proctor bench detectors``: every detector and the ensemble scored on the labelled corpus."""

from proctor.bench.detectors._cli import run_bench
from proctor.bench.detectors._harness import (
    Row,
    Scores,
    group_setting,
    summarise,
    tally,
)
from proctor.bench.detectors._realistic import run_realistic
from proctor.bench.detectors._report import markdown

__all__ = [
    "Row",
    "Scores",
    "group_setting",
    "markdown",
    "run_bench",
    "run_realistic",
    "summarise",
    "tally",
]
