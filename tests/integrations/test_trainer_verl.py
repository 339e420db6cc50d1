"""proctor inside verl's own reward loop: docs/trainers/verl.md's config and reward file.

verl's ``ppo_trainer`` config is composed with hydra from the ``reward.*`` overrides
of the docs' run command; verl's `RewardLoopWorker` loads the docs' reward file and
its ``naive`` reward manager, decodes a `DataProto` of tokenised responses and calls
proctor's ``compute_score`` once per sample, exactly as in training.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from _adapter_cases import HARDCODED, HONEST
from _trainer_docs import block, need

from _add_task import ADD

pytestmark = pytest.mark.trainers


def _tokenizer(root: Path) -> Any:
    """A byte-level BPE tokenizer trained here (what verl loads from the model path)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        [HONEST, HARDCODED, ADD.prompt] * 10,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=["<unk>", "<pad>", "<eos>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>"
    )
    tokenizer.save_pretrained(root / "model")
    return tokenizer


def _overrides(root: Path) -> list[str]:
    """The docs' ``reward.*`` overrides, with /abs/path/ pointing at this test's files."""
    command = block("verl.md", "python3 -m verl.trainer.main_ppo \\", lang="bash")
    found = re.findall(r"^\s+(\+?reward\.\S+)", command, re.MULTILINE)
    assert found, "no reward.* overrides in docs/trainers/verl.md"
    return [o.replace("/abs/path/", f"{root}/") for o in found]


def _config(root: Path) -> Any:
    import verl
    from hydra import compose, initialize_config_dir

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(
            "ppo_trainer",
            overrides=[
                *_overrides(root),
                f"actor_rollout_ref.model.path={root}/model",
                "+reward.custom_reward_function.reward_kwargs.limits.wall=4",
                "+reward.custom_reward_function.reward_kwargs.limits.test=0.5",
                # this batch has 3 samples of the task, not the docs' rollout.n=8
                "++reward.custom_reward_function.reward_kwargs.group_size=3",
            ],
        )


def _batch(tokenizer: Any, rows: list[tuple[str, str, dict[str, Any]]]) -> Any:
    """A rollout batch as verl's agent loop hands it to the reward loop."""
    import numpy as np
    import torch
    from verl import DataProto

    prompt = tokenizer(ADD.prompt)["input_ids"]
    responses = [tokenizer(text)["input_ids"] + [tokenizer.eos_token_id] for text, _, _ in rows]
    width = max(map(len, responses))
    pad = tokenizer.pad_token_id
    resp = torch.tensor([r + [pad] * (width - len(r)) for r in responses])
    prompts = torch.tensor([prompt] * len(rows))
    mask = torch.tensor(
        [[1] * len(prompt) + [1] * len(r) + [0] * (width - len(r)) for r in responses]
    )
    return DataProto.from_dict(
        tensors={
            "prompts": prompts,
            "responses": resp,
            "attention_mask": mask,
            "input_ids": torch.cat([prompts, resp], dim=1),
        },
        non_tensors={
            "data_source": np.array([source for _, source, _ in rows], dtype=object),
            "reward_model": np.array(
                [{"style": "rule", "ground_truth": ADD.id}] * len(rows), dtype=object
            ),
            "extra_info": np.array([dict(info) for _, _, info in rows], dtype=object),
        },
    )


def test_verl_reward_loop_scores_with_proctor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("verl.experimental.reward_loop", "verl")
    from proctor.detectors._group import GroupDetector

    seen: list[int] = []
    real = GroupDetector._detect
    monkeypatch.setattr(
        GroupDetector, "_detect", lambda self, s: seen.append(len(s.group)) or real(self, s)
    )
    from verl.experimental.reward_loop import RewardLoopWorker
    from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls

    (tmp_path / "tasks.jsonl").write_text(
        json.dumps(ADD.model_dump(mode="json", exclude_none=True)) + "\n"
    )
    (tmp_path / "proctor_reward.py").write_text(block("verl.md", "# proctor_reward.py"))
    tokenizer = _tokenizer(tmp_path)
    config = _config(tmp_path)
    assert config.reward.custom_reward_function.name == "compute_score"
    worker = RewardLoopWorker(config)
    rows = [
        (HONEST, "proctor/code", {"task_id": ADD.id}),
        (HARDCODED, "proctor/code", {"task_id": ADD.id}),
        ("no code at all", "proctor/code", {"task_id": ADD.id}),
        (HONEST, "proctor/code", {"task_id": "not/a/task"}),
    ]
    data = _batch(tokenizer, rows)
    outputs = worker.loop.run_until_complete(worker.compute_score_batch(data))

    scores = [o["reward_score"] for o in outputs]
    assert scores == [1.0, 1.0, 0.0, 0.0]  # the hardcoded table passes the visible tests
    infos = [o["reward_extra_info"] for o in outputs]
    assert [i["proctor_gold"] for i in infos[:2]] == [1.0, 0.0]  # ... and fails held-out
    assert infos[3]["proctor_status"] == "not_applicable"  # unknown task: 0, flagged
    assert all(i.keys() == infos[0].keys() for i in infos)  # verl stacks each key
    from proctor.integrations import verl as adapter

    [pool] = adapter._POOLS.values()
    assert sorted(pool.sizes) == [1, 3]  # one call per sample, scored as task groups
    assert seen == [3, 3, 3]  # the group detector compared each with its whole group

    # verl's own assembly (RewardLoopManager.compute_rm_score): the score at the last
    # response token, each extra key as one array over the batch.
    import numpy as np

    manager = get_reward_manager_cls(config.reward.reward_manager.name)
    rm_scores = manager.assemble_rm_scores(data, scores)
    assert rm_scores.sum(dim=1).tolist() == scores
    stacked = {k: np.array([i[k] for i in infos]) for k in infos[0]}
    assert stacked["proctor_gap"][1] == 1.0 and math.isnan(stacked["proctor_gap"][3])


def test_the_legacy_top_level_keys_are_not_what_verl_reads(tmp_path: Path) -> None:
    """Why the docs moved: main_ppo reads reward.custom_reward_function only."""
    need("verl.trainer.ppo.reward", "verl")
    import verl
    from hydra import compose, initialize_config_dir
    from verl.trainer.ppo.reward import get_custom_reward_fn

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        legacy = compose(
            "ppo_trainer",
            overrides=[
                f"custom_reward_function.path={tmp_path}/proctor_reward.py",
                "custom_reward_function.name=compute_score",
            ],
        )
    assert get_custom_reward_fn(legacy) is None  # verl would fall back to its default scorer
