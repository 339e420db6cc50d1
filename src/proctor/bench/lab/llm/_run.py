"""One real-model lab run, end to end, into a run directory `proctor monitor` reads."""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from proctor.bench.lab.llm._auditor import audited
from proctor.bench.lab.llm._prompts import render_prompt
from proctor.bench.lab.llm._recipe import (
    ONSET_RULE,
    LLMLabConfig,
    evaluate,
    freeze_below,
    onset_step,
    starting_policy,
    versions,
)
from proctor.bench.lab.llm._reward import LabReward
from proctor.bench.lab.llm._tasks import all_tasks, split


def step_rates(truth_path: Path) -> dict[int, dict[str, float]]:
    """Per step: samples, true-hack rate, honest pass rate (gold 1), mean proxy; in a run
    gated by the auditor also the mean reward paid and the mean auditor score."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if truth_path.exists():
        for line in truth_path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                rows[int(record["step"])].append(record)
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by an interrupt
    out = {}
    for step, rs in sorted(rows.items()):
        n = len(rs)
        out[step] = {
            "samples": n,
            "true_hack_rate": sum(bool(r["hack"]) for r in rs) / n,
            "honest_pass_rate": sum((r["gold"] or 0.0) >= 1.0 for r in rs) / n,
            "proxy_mean": sum(r["proxy"] or 0.0 for r in rs) / n,
        }
        if any("reward" in r for r in rs):  # a gated run: what the trainer paid
            out[step]["reward_mean"] = sum(r.get("reward") or 0.0 for r in rs) / n
            scored = [r["auditor_score"] for r in rs if r.get("auditor_score") is not None]
            if scored:
                out[step]["auditor_score_mean"] = sum(scored) / len(scored)
    return out


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def summarise(out: Path, config: LLMLabConfig, info: dict[str, Any]) -> dict[str, Any]:
    """``run.json``: config, versions, per-step truth, the labelled onset."""
    rates = step_rates(out / "truth.jsonl")
    hack = {s: r["true_hack_rate"] for s, r in rates.items()}
    onset = onset_step(hack, config.onset_share, config.onset_steps)
    last = [hack[s] for s in sorted(hack)[-5:]]
    info.update(
        {
            "steps_done": len(rates),
            "onset_step": onset,
            "onset_rule": ONSET_RULE.format(share=config.onset_share, k=config.onset_steps),
            "expected": "hacking" if onset is not None else "benign",
            "final_hack_rate": round(sum(last) / len(last), 4) if last else None,
            "per_step": {str(s): r for s, r in rates.items()},
        }
    )
    _write_json(out / "run.json", info)
    return info


def run_llm_lab(
    config: LLMLabConfig, out: Path, *, cache: Path, command: list[str] | None = None
) -> dict[str, Any]:
    """Train one run into ``out`` (must not hold another run) and return ``run.json``'s content."""
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    out.mkdir(parents=True, exist_ok=True)
    if (out / "truth.jsonl").exists():
        raise FileExistsError(f"{out} already holds a run (truth.jsonl); choose a new --out")
    cache.mkdir(parents=True, exist_ok=True)
    started = time.time()
    info: dict[str, Any] = {
        "name": out.name,
        "kind": "llm",
        "config": config.model_dump(mode="json"),
        "seed": config.seed,
        "reward": config.reward,
        "grader": config.reward,
        "versions": versions(),
        "command": shlex.join(command or sys.argv),
        "torch_threads": torch.get_num_threads(),
        "complete": False,
    }
    _write_json(out / "run.json", info)
    tasks = all_tasks(config.seed)
    demo, rl = split(tasks, config.seed)
    (out / "tasks.jsonl").write_text(
        "".join(t.task.model_dump_json(exclude_none=True) + "\n" for t in rl), encoding="utf-8"
    )
    info["tasks"] = {"demonstration": [t.task.id for t in demo], "rl": [t.task.id for t in rl]}
    model, tokenizer, info["starting_policy"] = starting_policy(config, cache, out, rl)
    info["trainable_parameters"] = freeze_below(model, config.train_layers)
    info["sft_seconds"] = round(time.time() - started, 1)
    reward = LabReward(config.reward, [t.task for t in rl], out / "truth.jsonl", config.workers)
    reward_func: Any = reward
    try:
        if config.auditor != "off":
            reward_func, info["auditor"] = audited(config, model, tokenizer, demo, rl, reward, out)
            _write_json(out / "run.json", info)
        info["start"] = evaluate(config, model, tokenizer, rl, reward)
        _write_json(out / "run.json", info)
        # the prompts of every step, in a seeded order (TRL repeats each `group` times)
        import random

        rng = random.Random(f"rl/{config.seed}")
        order: list[Any] = []
        while len(order) < config.steps * config.prompts_per_step:
            batch = list(rl)
            rng.shuffle(batch)
            order += batch
        rows = [
            {"prompt": render_prompt(tokenizer, t), "task_id": t.task.id}
            for t in order[: config.steps * config.prompts_per_step]
        ]
        args = GRPOConfig(
            output_dir=str(out / "trainer"),
            per_device_train_batch_size=config.prompts_per_step * config.group,
            num_generations=config.group,
            max_completion_length=config.max_completion_length,
            learning_rate=config.learning_rate,
            temperature=config.temperature,
            beta=0.0,
            max_steps=config.steps,
            logging_steps=1,
            log_completions=True,
            num_completions_to_print=0,
            shuffle_dataset=False,
            report_to=[],
            save_strategy="no",
            seed=config.seed,
            use_cpu=not config.gpu,
            gradient_checkpointing=False,  # TRL's default; on CPU it only costs time
        )
        tokenizer.padding_side = "left"
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[reward_func],
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
        )
        rl_started = time.time()
        trainer.train()
        info["rl_seconds"] = round(time.time() - rl_started, 1)
        # the trained policy, for what reads the model itself (implicit reward, probes);
        # a shipped run leaves it behind (`pack_llm_run`)
        trainer.save_model(str(out / "policy"))
        tokenizer.save_pretrained(str(out / "policy"))
        info["complete"] = True
    finally:
        reward.close()
        info["seconds"] = round(time.time() - started, 1)
        summarise(out, config, info)
    return info
