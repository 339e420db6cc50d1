"""Isolation choice: fall back to what the machine has, and say so once."""

from __future__ import annotations

import logging
import shutil

import pytest

from proctor.sandbox import InfraError, SandboxPool, _isolation
from proctor.sandbox._worker import Worker
from proctor.sandbox.runtime import landlock


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bwrap_isolation_confines_children() -> None:
    with SandboxPool(workers=1, isolation="bwrap") as pool:
        assert pool.mechanisms[0] == "bwrap"
        code = "import os\ndef f(x): return os.listdir('/tmp')"
        assert pool.run_batch(code, "f", [[1]]).results[0].status == "error"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bwrap_children_encode_results_as_the_judge_does() -> None:
    # orjson is loaded from the judge's site-packages, which bwrap must bind for it
    from proctor.sandbox import value_digest
    from proctor.sandbox.runtime import codec

    value = [1e-05, "caf\u00e9"]  # spelled differently by orjson and json
    with SandboxPool(workers=1, isolation="bwrap") as pool:
        known = [value_digest(codec.dumps(value).encode())]
        (result,) = pool.run_batch(f"def f(): return {value!r}", "f", [[]], known=known).results
        assert result.matched and not pool.notes


def test_missing_landlock_is_said_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(landlock, "abi_version", lambda: 0)
    monkeypatch.setattr(_isolation, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="proctor.sandbox"):
        first = _isolation.hardening()
        _isolation.hardening()
    assert first["landlock"] == 0
    messages = [r.getMessage() for r in caplog.records if "Landlock" in r.getMessage()]
    assert len(messages) == 1


def test_unavailable_isolation_falls_back_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_isolation, "_warned", set())
    real_start = Worker.start

    def refuse_userns(self: Worker) -> None:
        if self._config["isolate"] == "userns":
            raise InfraError("unshare refused (simulated)")
        real_start(self)

    monkeypatch.setattr("proctor.sandbox._worker.Worker.start", refuse_userns)
    monkeypatch.setattr("proctor.sandbox._pool.bwrap_prefix", lambda *a: None)
    with caplog.at_level(logging.WARNING, logger="proctor.sandbox"), SandboxPool(workers=1) as pool:
        assert "userns" not in pool.mechanisms
        assert pool.run_batch("def f(x): return x", "f", [[3]]).results[0].value == 3
    assert any("fell back to 'none'" in r.getMessage() for r in caplog.records)


def test_no_sandbox_at_all_is_an_infra_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise InfraError("cannot start (simulated)")

    monkeypatch.setattr("proctor.sandbox._worker.Worker.start", refuse)
    with pytest.raises(InfraError, match="no sandbox could be started"):
        SandboxPool(workers=1, isolation="userns")
