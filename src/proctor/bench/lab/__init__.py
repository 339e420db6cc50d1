"""The hack-emergence lab: small policy-gradient runs graded for real.

A policy over each task's candidate solutions (honest correct, honest wrong and
hacks from proctor's labelled corpus) is trained GRPO-style on rewards from
really grading the sampled code. With a naive grader hacking emerges part-way
through a run; with the hardened grader it should not. Each run directory holds
``run.json`` (config, seed, labelled onset step and its rule, the command that
reproduces it) and ``rollouts``/``grades``/``scalars`` ``.jsonl.gz``. See
docs/lab.md.
"""

from proctor.bench.lab._config import LabConfig, LabGrader
from proctor.bench.lab._grading import GradeBook
from proctor.bench.lab._onset import ONSET_RULE, onset_step
from proctor.bench.lab._pack import PackError, PackResult, pack_run
from proctor.bench.lab._policy import Policy, group_advantages
from proctor.bench.lab._pool import Candidate, build_pools, choose_tasks, load_pools
from proctor.bench.lab._run import LabResult, reproduce_command, run_lab
from proctor.bench.lab._shipped import RUNS_DIR, runs_in, shipped_runs

__all__ = [
    "ONSET_RULE",
    "RUNS_DIR",
    "Candidate",
    "GradeBook",
    "LabConfig",
    "LabGrader",
    "LabResult",
    "PackError",
    "PackResult",
    "Policy",
    "build_pools",
    "choose_tasks",
    "group_advantages",
    "load_pools",
    "onset_step",
    "pack_run",
    "reproduce_command",
    "run_lab",
    "runs_in",
    "shipped_runs",
]
