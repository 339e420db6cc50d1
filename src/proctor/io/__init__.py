"""Reading files into records, with errors that name the file, line and field."""

from proctor.io._errors import RecordError
from proctor.io._jsonl import iter_records
from proctor.io._program import extract_code, program_for, prompt_is_code, with_prompt
from proctor.io._rollouts import check_rollouts_against_tasks, read_rollouts
from proctor.io._sources import (
    SHELL_LANGS,
    Source,
    choose_program,
    extract_sources,
    rollout_sources,
    tool_arguments,
)
from proctor.io._syntax import parse, parse_module
from proctor.io._tasks import GOLD_CHOICES, VISIBLE_CHOICES, read_tasks, task_from_row

__all__ = [
    "GOLD_CHOICES",
    "SHELL_LANGS",
    "VISIBLE_CHOICES",
    "RecordError",
    "Source",
    "check_rollouts_against_tasks",
    "choose_program",
    "extract_code",
    "extract_sources",
    "iter_records",
    "parse",
    "parse_module",
    "program_for",
    "prompt_is_code",
    "read_rollouts",
    "read_tasks",
    "rollout_sources",
    "task_from_row",
    "tool_arguments",
    "with_prompt",
]
