"""How a rollout is judged: graded, detected, recorded, each distinct completion once.

`Judge` owns one grader, the detection pipeline and one sandbox pool shared by
both; `Judge.judge` returns one `Judged` (grade and verdicts) per rollout and can
record into a `proctor.runs.RunStore`. `scan` is ``proctor scan`` as a library call
(grade, detect, store, analyse, write the run directory). Every caller that grades
and detects a batch goes through here.
"""

from proctor.judge._judge import Judge, Judged, content_key, verdicts_of
from proctor.judge._missing import detect_missing
from proctor.judge._scan import Progress, ScanResult, batch_summary, scan, verdict_rows

__all__ = [
    "Judge",
    "Judged",
    "Progress",
    "ScanResult",
    "batch_summary",
    "content_key",
    "detect_missing",
    "scan",
    "verdict_rows",
    "verdicts_of",
]
