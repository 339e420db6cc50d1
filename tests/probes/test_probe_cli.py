"""``proctor probe train`` then ``proctor probe score``, end to end on a tiny saved model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from _probes_tiny import synthetic_rows, tiny_llama, tiny_tokenizer

from proctor.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("tiny-llama")
    tok = tiny_tokenizer()
    tiny_llama(tok).save_pretrained(where)
    tok.save_pretrained(where)
    return where


def _rows(path: Path, tasks: range, labels: bool = True) -> Path:
    rows = [r for r in synthetic_rows(tasks=24) if int(r.task_id[4:]) in tasks]
    with path.open("w") as f:
        for r in rows:
            record = {
                "id": r.id,
                "task_id": r.task_id,
                "prompt": r.prompt,
                "completion": r.completion,
            }
            if labels:
                record["label"] = r.label
            f.write(json.dumps(record) + "\n")
    return path


def test_train_then_score(model_dir: Path, tmp_path: Path) -> None:
    train = _rows(tmp_path / "train.jsonl", range(16))
    held = _rows(tmp_path / "held.jsonl", range(16, 24))
    cache = ["--cache-dir", str(tmp_path / "cache")]
    result = runner.invoke(
        app,
        [
            "probe",
            "train",
            str(train),
            "--model",
            str(model_dir),
            "--out",
            str(tmp_path / "p"),
            "--layers",
            "0,-1",
            "--pooling",
            "mean",
            "--pooling",
            "last",
            *cache,
        ],
    )
    assert result.exit_code == 0, result.output
    spec = json.loads((tmp_path / "p" / "probe.json").read_text())
    assert spec["model"] == str(model_dir) and len(spec["cv"]) == 4
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(
        app,
        ["probe", "score", str(held), "--probe", str(tmp_path / "p"), "--out", str(out), *cache],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == [json.loads(x)["id"] for x in held.read_text().splitlines()]
    hacks = [x["score"] for x in lines if x["label"]]
    honest = [x["score"] for x in lines if not x["label"]]
    assert min(hacks) > max(honest)
    assert all(x["hack"] == (x["score"] >= spec["threshold"]) for x in lines)
    assert "AUC over the 32 labelled rows: 1.000" in result.output


def test_rows_without_labels_name_the_line(model_dir: Path, tmp_path: Path) -> None:
    rows = _rows(tmp_path / "r.jsonl", range(2), labels=False)
    result = runner.invoke(
        app, ["probe", "train", str(rows), "--model", str(model_dir), "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 2
    assert "r.jsonl:1: field 'label': no label" in result.output


def test_training_input_problems_are_one_line_errors(model_dir: Path, tmp_path: Path) -> None:
    one_task = _rows(tmp_path / "one.jsonl", range(1))
    result = runner.invoke(
        app,
        [
            "probe",
            "train",
            str(one_task),
            "--model",
            str(model_dir),
            "--out",
            str(tmp_path / "p"),
            "--no-cache",
        ],
    )
    assert result.exit_code == 2 and "needs at least 2 tasks, got 1" in result.output
    rows = _rows(tmp_path / "r.jsonl", range(4))
    result = runner.invoke(
        app,
        [
            "probe",
            "train",
            str(rows),
            "--model",
            str(model_dir),
            "--out",
            str(tmp_path / "p"),
            "--layers",
            "9",
            "--no-cache",
        ],
    )
    assert result.exit_code == 2 and "layer 9 is out of range" in result.output


def test_missing_files_and_models_are_clear_errors(model_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["probe", "train", str(tmp_path / "nope.jsonl"), "--model", "m", "--out", "p"]
    )
    assert result.exit_code == 2 and "nope.jsonl: no such rollout file" in result.output
    rows = _rows(tmp_path / "r.jsonl", range(2))
    result = runner.invoke(
        app, ["probe", "train", str(rows), "--model", str(tmp_path / "no-model"), "--out", "p"]
    )
    assert result.exit_code == 1 and "proctor never downloads" in result.output
    result = runner.invoke(app, ["probe", "score", str(rows), "--probe", str(tmp_path)])
    assert result.exit_code == 2 and "no such probe" in result.output


def test_help_teaches_with_an_example() -> None:
    result = runner.invoke(app, ["probe", "train", "--help"], terminal_width=200)
    assert "proctor probe train rollouts.jsonl --model" in result.output
