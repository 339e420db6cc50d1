"""Each ingestion adapter on files shaped exactly like the trainer writes them."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from proctor.io import RecordError
from proctor.records import Task, TestSuite
from proctor.runs import Ingestor, RunStore

FIXTURES = Path(__file__).parent / "fixtures"


def _task(task_id: str, prompt: str) -> Task:
    return Task(
        id=task_id,
        prompt=prompt,
        entry_point=task_id,
        reference="def f(x): return x",
        visible=TestSuite(inputs=[[1]]),
        heldout=TestSuite(inputs=[[2]]),
    )


def test_proctor_rollouts_grades_and_verdicts(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store:
        report = Ingestor(store, "proctor").run([FIXTURES / "proctor"])
        assert report.new == {"rollouts": 4, "grades": 4, "verdicts": 4, "scalars": 0}
        assert [r.step for r in store.rollouts()] == [0, 0, 1, 1]
        assert [v.label for v in store.verdicts()] == ["clean"] * 3 + ["hack"]
        assert [g.gold for g in store.grades()][-1] == 0.0


def test_reingesting_the_same_files_adds_nothing(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "proctor").run([FIXTURES / "proctor"])
        again = Ingestor(store, "proctor").run([FIXTURES / "proctor"])
        assert again.read == 0 and sum(again.new.values()) == 0
        assert store.counts()["rollouts"] == 4


def _lab_run(folder: Path) -> Path:
    folder.mkdir()
    (folder / "run.json").write_text(
        json.dumps(
            {
                "name": "toy",
                "seed": 0,
                "grader": "naive-exec",
                "expected": "hacking",
                "onset_step": 1,
                "steps": 2,
                "group_size": 2,
            }
        )
    )
    rollouts = [
        {
            "id": f"s{s}-{k}",
            "task_id": "add",
            "code": "def add(a, b): return a + b",
            "step": s,
            "group": f"s{s}/add",
            "reward": 1.0,
            "meta": {"truth": {"kind": "honest_correct", "category": None}, "candidate": "c1"},
        }
        for s in range(2)
        for k in range(2)
    ]
    grades = [
        {"rollout_id": r["id"], "task_id": "add", "grader": "naive-exec", "proxy": 1.0, "gold": 1.0}
        for r in rollouts
    ]
    scalars = [{"step": s, "kl": 0.01 * s, "entropy": 1.0, "reward_mean": 0.5} for s in range(2)]
    for name, rows in (("rollouts", rollouts), ("grades", grades), ("scalars", scalars)):
        with gzip.open(folder / f"{name}.jsonl.gz", "wt") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    return folder


def test_lab_run_directory_with_manifest_and_scalars(tmp_path: Path) -> None:
    lab = _lab_run(tmp_path / "lab")
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "lab").run([lab])
        assert store.counts() == {
            "rollouts": 4,
            "grades": 4,
            "verdicts": 0,
            "scalars": 6,
            "steps": 2,
        }
        assert store.meta()["run"]["onset_step"] == 1
        kl = {s.step: s.value for s in store.scalars() if s.name == "kl"}
        assert kl == {0: 0.0, 1: 0.01}
        assert next(store.rollouts()).meta["truth"]["kind"] == "honest_correct"


def _trl_table(path: Path, step: int) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    # GRPOTrainer.log: step as text, prompt/completion, one column per reward
    # function (NaN, stored as null, where it returned None), log_extra columns,
    # advantage; TRL writes it with DataFrame.to_parquet, i.e. this arrow table.
    pq.write_table(
        pa.table(
            {
                "step": [str(step)] * 3,
                "prompt": ["Write add(a, b).", "Write add(a, b).", "Write neg(x)."],
                "completion": [
                    "def add(a, b): return a + b",
                    "import sys; sys.exit(0)",
                    "def neg(x): return -x",
                ],
                "correctness_reward": [1.0, 1.0, None],
                "format_reward": [0.5, 0.0, None],
                "task": ["add", "add", "neg"],
                "advantage": [0.3, 0.3, 0.0],
            }
        ),
        path,
    )


def test_trl_completions_tables_by_task_column(tmp_path: Path) -> None:
    out = tmp_path / "out" / "completions"
    _trl_table(out / "completions_00002.parquet", 2)
    _trl_table(out / "completions_00001.parquet", 1)
    _trl_table(out / "eval" / "completions_00001.parquet", 1)  # evaluation: not training
    with RunStore(tmp_path / "run") as store:
        report = Ingestor(store, "trl", task_key="task").run([tmp_path / "out"])
        rollouts = list(store.rollouts())
    assert report.new["rollouts"] == 6 and [r.step for r in rollouts] == [1, 1, 1, 2, 2, 2]
    first = rollouts[0]
    assert (first.id, first.task_id, first.group) == ("trl/s1/1", "add", "s1/add")
    assert first.reward == 1.5  # the sum of the reward functions
    assert first.meta["rewards"] == {"correctness_reward": 1.0, "format_reward": 0.5}
    assert first.meta["advantage"] == 0.3
    assert rollouts[2].reward is None  # every reward function returned None


def test_trl_prompts_mapped_to_tasks_and_chosen_reward_columns(tmp_path: Path) -> None:
    _trl_table(tmp_path / "completions_00003.parquet", 3)
    tasks = [_task("add", "Write add(a, b)."), _task("neg", "Write neg(x).")]
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "trl", tasks=tasks, reward_columns=["correctness_reward"]).run(
            [tmp_path / "completions_00003.parquet"]
        )
        rollouts = list(store.rollouts())
    assert [r.task_id for r in rollouts] == ["add", "add", "neg"]
    assert rollouts[0].reward == 1.0 and rollouts[0].meta["extra"]["format_reward"] == 0.5


def test_verl_generations_and_file_logger(tmp_path: Path) -> None:
    tasks = [
        _task("add", "Write add(a, b) that returns a + b."),
        _task("neg", "Write neg(x) that returns -x."),
    ]
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "verl", tasks=tasks).run(
            [FIXTURES / "verl" / "rollout_data", FIXTURES / "verl" / "metrics.jsonl"]
        )
        rollouts = list(store.rollouts())
        scalars = {(s.step, s.name): s.value for s in store.scalars()}
    assert len(rollouts) == 8 and [r.step for r in rollouts] == [1] * 4 + [2] * 4
    assert [r.task_id for r in rollouts[:4]] == ["add", "add", "neg", "neg"]  # chat template
    hack = rollouts[5]
    assert hack.reward == 1.0 and "sys.exit" in (hack.completion or "")
    assert hack.meta["ground_truth"] == {"task": "add"} and hack.meta["extra"]["acc"] == 0.0
    assert math.isclose(scalars[(2, "actor/entropy")], 1.0)
    assert scalars[(1, "response_length/mean")] == 41.0


def test_without_tasks_a_prompt_hash_groups_rollouts_of_one_prompt(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store:
        Ingestor(store, "verl").run([FIXTURES / "verl" / "rollout_data" / "1.jsonl"])
        ids = [r.task_id for r in store.rollouts()]
    assert ids[0] == ids[1] != ids[2] == ids[3] and ids[0].startswith("prompt-")


def test_unknown_prompt_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    with RunStore(tmp_path / "run") as store, pytest.raises(RecordError) as info:
        Ingestor(store, "verl", tasks=[_task("add", "Write add(a, b) that returns a + b.")]).run(
            [FIXTURES / "verl" / "rollout_data" / "1.jsonl"]
        )
    assert info.value.line == 3 and str(info.value.path).endswith("1.jsonl")


def test_a_bad_line_stops_ingest_but_keeps_committed_batches(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    rows = [json.dumps({"id": f"r{i}", "task_id": "t", "code": "x", "step": 0}) for i in range(5)]
    path.write_text("\n".join([*rows[:3], '{"id": "bad", "task_id": "t"}', *rows[3:]]) + "\n")
    with RunStore(tmp_path / "run") as store:
        with pytest.raises(RecordError, match="completion"):
            Ingestor(store, "proctor", batch_size=2).run([path])
        assert store.counts()["rollouts"] == 2  # the first whole batch
        report = Ingestor(store, "proctor", skip_invalid=True).run([path])
        assert [e.line for e in report.skipped] == [4]
        assert store.counts()["rollouts"] == 5


def test_an_interrupted_ingest_resumes_without_gaps_or_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "task_id": "t", "code": "x", "step": i}) + "\n"
            for i in range(10)
        )
    )
    batches: list[int] = []

    def interrupt_after_two(count: int) -> None:
        batches.append(count)
        if len(batches) == 2:
            raise KeyboardInterrupt  # Ctrl-C right after the second commit

    with RunStore(tmp_path / "run") as store:
        with pytest.raises(KeyboardInterrupt):
            Ingestor(store, "proctor", batch_size=3, on_records=interrupt_after_two).run([path])
        assert store.counts()["rollouts"] == 6
        report = Ingestor(store, "proctor", batch_size=3).run([path])
        assert report.read == 4  # resumed after line 6, not from the start
        assert [r.id for r in store.rollouts()] == [f"r{i}" for i in range(10)]
