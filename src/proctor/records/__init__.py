"""Core records that flow through every proctor stage (validated pydantic models)."""

from proctor.records._grade import (
    FORMAT_VERSION,
    ExecStats,
    Grade,
    GraderSpec,
    TamperFinding,
    TamperKind,
    TestOutcome,
    TestStatus,
)
from proctor.records._rollout import Rollout
from proctor.records._task import Task, TestSuite
from proctor.records._verdict import DetectorSpec, Evidence, EvidenceKind, Verdict, VerdictLabel

__all__ = [
    "FORMAT_VERSION",
    "DetectorSpec",
    "Evidence",
    "EvidenceKind",
    "ExecStats",
    "Grade",
    "GraderSpec",
    "Rollout",
    "TamperFinding",
    "TamperKind",
    "Task",
    "TestOutcome",
    "TestStatus",
    "TestSuite",
    "Verdict",
    "VerdictLabel",
]
