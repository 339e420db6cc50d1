"""--require-isolation refuses a weak sandbox; a fall-back to no namespaces is loud."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proctor.cli import app
from proctor.sandbox import InfraError, SandboxPool, _isolation
from proctor.sandbox._worker import Worker


def test_required_isolation_refuses_a_pool_without_namespaces() -> None:
    with pytest.raises(InfraError, match=r"missing: namespaces"):
        SandboxPool(workers=1, isolation="none", require_isolation=True)


def test_required_isolation_accepts_the_full_set() -> None:
    with SandboxPool(workers=1) as probe:
        full = not _isolation.missing_isolation(probe.mechanisms)
    if not full:
        pytest.skip("this machine lacks namespaces, Landlock or seccomp")
    with SandboxPool(workers=1, require_isolation=True) as pool:
        assert pool.run_batch("def f(x): return x", "f", [[1]]).results[0].value == 1


def test_grade_cli_exits_3_when_isolation_is_required_and_missing(tmp_path: Path) -> None:
    task = {"id": "t", "entry_point": "f", "reference": "def f(x): return x",
            "visible": {"inputs": [[1]]}}  # fmt: skip
    (tmp_path / "t.jsonl").write_text(json.dumps(task) + "\n")
    (tmp_path / "r.jsonl").write_text(json.dumps({"id": "r", "task_id": "t", "code": "x"}) + "\n")
    args = ["grade", "--tasks", str(tmp_path / "t.jsonl"), "--rollouts", str(tmp_path / "r.jsonl"),
            "--out", str(tmp_path / "g.jsonl"), "--no-cache", "--isolation", "none",
            "--require-isolation"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "g.jsonl").exists()


def test_falling_back_to_no_namespaces_is_an_error_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_start = Worker.start

    def refuse_userns(self: Worker) -> None:
        if self._config["isolate"] == "userns":
            raise InfraError("unshare refused (simulated)")
        real_start(self)

    monkeypatch.setattr("proctor.sandbox._worker.Worker.start", refuse_userns)
    monkeypatch.setattr("proctor.sandbox._pool.bwrap_prefix", lambda *a: None)
    with caplog.at_level(logging.WARNING, logger="proctor.sandbox"), SandboxPool(workers=1):
        pass
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "SANDBOX DEGRADED" in errors[0].getMessage()
