"""proctor inside OpenRLHF's own SingleTurnAgentExecutor: the docs' reward file and server.

The executor is OpenRLHF 0.11.2's: it loads docs/trainers/openrlhf.md's reward file
with its own loader (or posts to ``proctor serve rewards`` started for real on
127.0.0.1 with the docs' command), tokenises the prompt, asks the engine for a
completion, decodes prompt + completion into the query and fetches the reward. Only
the engine is a stand-in (vLLM needs a GPU): it returns fixed completions.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _adapter_cases import HARDCODED, HONEST
from _trainer_docs import block, need

from _add_task import ADD
from _serving import wait_until_healthy

pytestmark = pytest.mark.trainers

PROMPT = "<|user|>Write add(a, b).<|assistant|>"
GROUP = [HONEST, HONEST, HONEST, HONEST, HONEST, HONEST, HONEST, HARDCODED]


def _tokenizer(root: Path) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        [PROMPT, HONEST, HARDCODED] * 10,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=["<unk>", "<pad>", "<|endoftext|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, unk_token="<unk>", pad_token="<pad>", eos_token="<|endoftext|>"
    )


class _Engine:
    """What the executor needs of a vLLM engine: ``await generate(ids, params)``."""

    def __init__(self, tokenizer: Any, completion: str) -> None:
        self.ids = tokenizer(completion)["input_ids"] + [tokenizer.eos_token_id]
        self.text = completion

    async def generate(
        self, prompt_ids: list[int], params: Any, multi_modal_data: Any = None
    ) -> Any:
        out = SimpleNamespace(
            token_ids=self.ids, text=self.text, finish_reason="stop", logprobs=None
        )
        return SimpleNamespace(outputs=[out])


def _execute(
    executor: Any, tokenizer: Any, completions: list[str], labels: list[str], threads: int = 32
) -> list[dict[str, Any]]:
    """Samples finishing at once, as vLLM's engine actor runs them (32 threads: a GPU node)."""

    async def run() -> list[dict[str, Any]]:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(threads))
        params = SimpleNamespace(max_tokens=256, logprobs=None)
        return list(
            await asyncio.gather(
                *[
                    executor.execute(PROMPT, label, params, 1024, tokenizer, _Engine(tokenizer, c))
                    for c, label in zip(completions, labels, strict=True)
                ]
            )
        )

    return asyncio.run(run())


def _merged_info(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenRLHF's info path: per-sample tensors (samples_generator), merged and split
    again by its own Experience code. A key missing from one sample fails the split."""
    import torch
    from openrlhf.trainer.ppo_utils.experience import Experience, split_experience_batch

    experiences = []
    for out in outputs:
        # _process_response_into_experience (its module imports vLLM): these lines.
        info = {"reward": torch.tensor([out["reward"]]), "score": torch.tensor([out["scores"]])}
        for key, value in out["extra_logs"].items():
            if isinstance(value, torch.Tensor):
                value = value.flatten()[0].item()
            info[key] = torch.tensor([value])
        experiences.append(Experience(sequences=torch.zeros(1, 4, dtype=torch.long), info=info))
    merged = Experience.concat_experiences(experiences, pad_token_id=0)
    assert len(split_experience_batch(merged)) == len(outputs)
    return merged.info


@pytest.fixture()
def tasks(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(ADD.model_dump(mode="json", exclude_none=True)) + "\n")
    return path


def test_executor_runs_the_reward_file_and_groups_the_samples(
    tmp_path: Path, tasks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("openrlhf.utils.agent", "OpenRLHF")
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    from proctor.detectors._group import GroupDetector

    seen: list[int] = []
    real = GroupDetector._detect
    monkeypatch.setattr(
        GroupDetector, "_detect", lambda self, s: seen.append(len(s.group)) or real(self, s)
    )
    reward_file = tmp_path / "proctor_reward_func.py"
    reward_file.write_text(
        block("openrlhf.md", "# proctor_reward_func.py").replace("/abs/path/", f"{tmp_path}/")
    )
    executor = SingleTurnAgentExecutor(remote_rm_url=str(reward_file))
    tokenizer = _tokenizer(tmp_path)
    try:
        outputs = _execute(executor, tokenizer, GROUP, [ADD.id] * len(GROUP))
    finally:
        executor.reward_func.close()
    assert [float(o["reward"][0]) for o in outputs] == [1.0] * 8  # the table passes visible
    assert executor.reward_func.pool.sizes == [8]  # eight one-sample calls, one group
    assert seen == [8] * 8  # and the group detector compared each with all 8
    info = _merged_info(outputs)
    assert info["proctor_gold"].tolist() == [1.0] * 7 + [0.0]  # the hack fails held-out
    assert info["proctor_judged"].tolist() == [1.0] * 8

    from proctor.runs import RunStore

    with RunStore(tmp_path / "runs" / "openrlhf-code", readonly=True) as store:
        recorded = list(store.rollouts())
    assert len(recorded) == 8 and len({r.group for r in recorded}) == 1


def test_a_bad_label_is_flagged_not_swallowed(tmp_path: Path, tasks: Path) -> None:
    need("openrlhf.utils.agent", "OpenRLHF")
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    reward_file = tmp_path / "proctor_reward_func.py"
    reward_file.write_text(
        block("openrlhf.md", "# proctor_reward_func.py")
        .replace("/abs/path/", f"{tmp_path}/")
        .replace("group_size=8", "group_size=2")
    )
    executor = SingleTurnAgentExecutor(remote_rm_url=str(reward_file))
    try:
        outputs = _execute(
            executor, _tokenizer(tmp_path), [HONEST, HONEST], [ADD.id, "the answer text"]
        )
    finally:
        executor.reward_func.close()
    # Every sample has a reward and the same keys: OpenRLHF's step goes on, and the
    # wrong --data.label_key shows in the logs and in proctor_unknown_label.
    assert [float(o["reward"][0]) for o in outputs] == [1.0, 0.0]
    info = _merged_info(outputs)
    assert info["proctor_unknown_label"].tolist() == [0.0, 1.0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path, tasks: Path) -> Iterator[str]:
    need("openrlhf.utils.agent", "OpenRLHF")
    pytest.importorskip("uvicorn")
    command = block("openrlhf.md", "pip install 'proctor[serve]'", lang="bash").splitlines()[1]
    port = _free_port()
    argv = shlex.split(
        command.replace("/abs/path/", f"{tmp_path}/").replace("--port 8000", f"--port {port}")
    )
    assert argv[:3] == ["proctor", "serve", "rewards"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from proctor.cli import main; main()", *argv[1:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(proc, url, 120)
    yield f"{url}/get_reward"
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_remote_client_against_proctor_serve(server: str, tmp_path: Path) -> None:
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    executor = SingleTurnAgentExecutor(remote_rm_url=server)
    tokenizer = _tokenizer(tmp_path)
    outputs = _execute(executor, tokenizer, [HONEST, HARDCODED, "no code"], [ADD.id] * 3)
    assert [o["reward"] for o in outputs] == [[1.0], [1.0], [0.0]]  # JSON lists of one
    info = _merged_info(outputs)
    # JSON lists of one become [1, 1] tensors in OpenRLHF's info: compare flattened.
    assert info["proctor_gold"].flatten().tolist() == [1.0, 0.0, 0.0]
    assert info["proctor_gold_known"].flatten().tolist() == [1.0, 1.0, 1.0]

    # A label the server does not know: 422, retried 5 times by OpenRLHF's client,
    # then swallowed (INFO log): the sample has no reward. Documented, not hidden.
    [lost] = _execute(executor, tokenizer, [HONEST], ["not/a/task"])
    assert lost["reward"] is None and lost["extra_logs"] == {}
