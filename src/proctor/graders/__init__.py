"""Graders: turn a rollout into a `Grade`. Look them up by name with `create_grader`.

- ``hardened``: split-trust sandboxed grading; the one to use for rewards.
- ``naive-exec``, ``naive-pytest``: EXPLOITABLE on purpose; they reproduce the
  setups real RL runs use, so you can see what those let through.
"""

# importing the graders registers them (`proctor.registry.GRADERS`)
from proctor.graders import _naive_exec, _naive_pytest, _ray  # noqa: F401
from proctor.graders._base import Grader
from proctor.graders._budget import (
    SHARD_SECONDS,
    TIME_FACTOR,
    TIMEOUTS_TO_END,
    TimeBudget,
    time_budget,
)
from proctor.graders._compare import COMPARE_MODES, CompareMode, outputs_match, poly_root_ok
from proctor.graders._contained import (
    NAMESPACE_MECHANISMS,
    RunResult,
    namespaces_available,
    run_contained,
)
from proctor.graders._expected import Expected, ExpectedOutputs
from proctor.graders._hardened import HIDDEN, HardenedGrader, show_value
from proctor.graders._naive_pytest import parse_report, require_pytest
from proctor.graders._ray import RayGrader
from proctor.graders._registry import (
    create_grader,
    create_grader_from_spec,
    grader_names,
    register_grader,
)

__all__ = [
    "COMPARE_MODES",
    "HIDDEN",
    "NAMESPACE_MECHANISMS",
    "SHARD_SECONDS",
    "TIMEOUTS_TO_END",
    "TIME_FACTOR",
    "CompareMode",
    "Expected",
    "ExpectedOutputs",
    "Grader",
    "HardenedGrader",
    "RayGrader",
    "RunResult",
    "TimeBudget",
    "create_grader",
    "create_grader_from_spec",
    "grader_names",
    "namespaces_available",
    "outputs_match",
    "parse_report",
    "poly_root_ok",
    "register_grader",
    "require_pytest",
    "run_contained",
    "show_value",
    "time_budget",
]
