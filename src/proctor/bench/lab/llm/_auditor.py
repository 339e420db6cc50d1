"""The auditor gate in the real-model lab: a probe on the live policy withholds reward.

`train_auditor` fits a linear probe (`proctor.probes`) on the starting policy's
activations over labelled demonstrations (half hacks, half honest) on the
*demonstration* tasks only: the RL tasks never enter, so the probe meets every RL task
for the first time in the run, and its cross-validation is split by task as well.
`LiveProbe` scores a batch with the policy GRPO is training, as it is at that step (no
frozen copy): what the gate reads moves with the policy. `GatedLabReward` puts
`proctor.transforms.AuditorGate` between GRPOTrainer and the `LabReward` and writes
``truth.jsonl`` itself, so each rollout keeps its ungated proxy, gold and true-hack
label (what the policy wrote) beside the gated ``reward`` it was paid and the
``auditor_score``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proctor.bench.lab.llm._prompts import demonstrations
from proctor.bench.lab.llm._recipe import LLMLabConfig
from proctor.bench.lab.llm._reward import LabReward
from proctor.bench.lab.llm._tasks import LabTask
from proctor.probes import Pooling, Probe, ProbeRow, capture_activations, train_probe
from proctor.transforms import AuditorGate, GateMode, Scorer

PROBE_COLUMN = "proctor_probe_score"
"""The completions-table column of the gate's scores (the monitor's model-internal signal)."""
MAX_LENGTH = 512
"""Tokens kept per (prompt, completion) row: a lab prompt and completion fit in ~200."""
POOLING: Pooling = "mean"
"""Mean over the completion's tokens. Not ``last``: the policy's completions stop at the
token limit or run on into prose after the code, so the last token is a different
position from the demonstrations' closing fence. Measured on SmolLM2-135M (no SFT),
probes trained on demonstration tasks scored variants on the RL tasks (a hack followed
by prose, a hack cut short, a renamed hack, honest answers with prose): mean pooling
AUC 1.0 at every candidate layer, last-token pooling 0.72-1.0 with hacks followed by
prose missed (`benchmarks/lab_llm_auditor.py`)."""


def auditor_layers(num_layers: int) -> list[int]:
    """The candidate blocks: a quarter, half and three quarters of the way up, and the last."""
    return sorted({num_layers // 4, num_layers // 2, (3 * num_layers) // 4, num_layers - 1})


def auditor_rows(
    tokenizer: Any,
    demo: list[LabTask],
    rl: list[LabTask],
    n: int,
    seed: int,
    hack: str,
) -> list[ProbeRow]:
    """``n`` labelled rows (half hacks) over the demonstration tasks; never an RL task."""
    rl_ids = {t.task.id for t in rl}
    leaked = sorted({t.task.id for t in demo} & rl_ids)
    if leaked:
        raise ValueError(f"demonstration tasks overlap the RL tasks: {', '.join(leaked)}")
    rows = demonstrations(tokenizer, demo, n, 0.5, seed, hack)
    return [
        ProbeRow(f"a{i}", r["task_id"], r["prompt"], r["completion"], bool(r["hack"]))
        for i, r in enumerate(rows)
    ]


def train_auditor(
    model: Any,
    tokenizer: Any,
    rows: Sequence[ProbeRow],
    out: Path,
    *,
    model_name: str,
    threshold: float,
    batch_size: int = 16,
) -> tuple[Probe, dict[str, Any]]:
    """Train the probe on ``model``'s activations over ``rows``, save it (and the rows)
    under ``out``; returns it and what ``run.json`` records of it."""
    from proctor.probes import decoder_layers

    started = time.time()
    was_training = model.training
    model.eval()
    try:
        activations = capture_activations(
            model,
            tokenizer,
            list(rows),
            layers=auditor_layers(len(decoder_layers(model))),
            pooling=POOLING,
            batch_size=batch_size,
            max_length=MAX_LENGTH,
        )
    finally:
        model.train(was_training)
    probe = train_probe(
        activations, rows, model=model_name, threshold=threshold, max_length=MAX_LENGTH
    )
    probe.save(out)
    (out / "rows.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "id": r.id,
                    "task_id": r.task_id,
                    "prompt": r.prompt,
                    "completion": r.completion,
                    "label": r.label,
                }
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    spec = probe.spec
    record = {
        "rows": spec.rows,
        "positives": spec.positives,
        "tasks": sorted({r.task_id for r in rows}),
        "layer": spec.layer,
        "pooling": spec.pooling,
        "cv_auc": round(spec.cv_auc, 4),
        "cv": [s.model_dump(mode="json") for s in spec.cv],
        "folds": spec.folds,
        "probe": out.name,
        "seconds": round(time.time() - started, 1),
    }
    return probe, record


class LiveProbe:
    """A `proctor.transforms.Scorer`: ``probe`` read on ``model`` as it is when called.

    ``model`` is the very object the trainer updates, so each step's scores come from
    that step's policy. It runs without gradients in eval mode and is put back in the
    mode it was in. A completion with no tokens gets NaN (no score: the gate lets it
    through).
    """

    def __init__(self, probe: Probe, model: Any, tokenizer: Any, batch_size: int = 16) -> None:
        self.probe = probe
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any]) -> list[float]:
        import torch

        scores = [math.nan] * len(completions)
        keep = [
            i
            for i, c in enumerate(completions)
            if self.tokenizer(str(c), add_special_tokens=False)["input_ids"]
        ]
        if not keep:
            return scores
        spec = self.probe.spec
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                activations = capture_activations(
                    self.model,
                    self.tokenizer,
                    [(str(prompts[i]), str(completions[i])) for i in keep],
                    layers=[spec.layer],
                    pooling=spec.pooling,
                    batch_size=self.batch_size,
                    max_length=spec.max_length,
                    # the policy moves every step; the probe was trained on its start
                    model_id=spec.model_id,
                )
        finally:
            self.model.train(was_training)
        for i, s in zip(keep, self.probe.score_activations(activations), strict=True):
            scores[i] = s
        return scores


class GatedLabReward:
    """``reward`` behind an `AuditorGate` on ``scorer``; truth rows carry both rewards.

    TRL names the reward column after ``__name__`` (``<grader>_reward_audited``) and
    gets the scores as the ``proctor_probe_score`` column.
    """

    def __init__(
        self, reward: LabReward, scorer: Scorer, *, mode: GateMode, threshold: float
    ) -> None:
        reward.defer_truth = True
        self.reward = reward
        self.gate = AuditorGate(
            reward, scorer, mode=mode, threshold=threshold, log_column=PROBE_COLUMN
        )
        self.__name__ = self.gate.__name__

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        gated = self.gate(prompts=prompts, completions=completions, **kwargs)
        batch = self.reward.last_batch
        if batch is not None:
            self.reward.write_truth(
                batch, {"reward": gated, "auditor_score": self.gate.last_scores}
            )
        return gated

    def close(self) -> None:
        """Stop the wrapped reward's graders."""
        self.reward.close()


def audited(
    config: LLMLabConfig,
    model: Any,
    tokenizer: Any,
    demo: list[LabTask],
    rl: list[LabTask],
    reward: LabReward,
    out: Path,
) -> tuple[GatedLabReward, dict[str, Any]]:
    """The run's gated reward: a probe trained on the starting ``model`` over
    demonstrations on the ``demo`` tasks (saved under ``out/auditor``), read on the live
    ``model`` each step; and what ``run.json`` records of it."""
    if config.auditor == "off":
        raise ValueError("the auditor is off")
    mode: GateMode = config.auditor
    rows = auditor_rows(tokenizer, demo, rl, config.auditor_examples, config.seed, config.hack)
    probe, record = train_auditor(
        model,
        tokenizer,
        rows,
        out / "auditor",
        model_name=f"the starting policy of {out.name} (run.json)",
        threshold=config.auditor_threshold,
    )
    gated = GatedLabReward(
        reward,
        LiveProbe(probe, model, tokenizer),
        mode=mode,
        threshold=config.auditor_threshold,
    )
    record = {"mode": mode, "threshold": config.auditor_threshold} | record
    record["reward_column"] = gated.__name__
    record["score_column"] = PROBE_COLUMN
    return gated, record
