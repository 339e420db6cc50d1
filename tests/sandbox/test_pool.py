"""The sandbox pool: results come back as data; limits and isolation hold."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from proctor.sandbox import InfraError, Limits, SandboxPool
from proctor.sandbox._worker import Worker, WorkerDied


def _run(
    pool: SandboxPool,
    body: str,
    inputs: list[list[object]] | None = None,
    limits: Limits | None = None,
) -> list[tuple[str, object]]:
    code = "def f(x):\n" + "\n".join("    " + line for line in body.splitlines())
    batch = pool.run_batch(code, "f", inputs or [[1]], limits=limits)
    return [(r.status, r.value if r.status == "ok" else r.detail) for r in batch.results]


def test_values_come_back_with_exact_types(pool: SandboxPool) -> None:
    assert _run(pool, "return (x, [x], {x: 'a'}, {x})") == [("ok", (1, [1], {1: "a"}, {1}))]


def test_every_input_gets_its_own_result(pool: SandboxPool) -> None:
    assert [v for _, v in _run(pool, "return x * 2", [[1], [2], [3]])] == [2, 4, 6]


def test_exception_in_a_test_is_an_error_not_a_crash(pool: SandboxPool) -> None:
    results = _run(pool, "if x == 2:\n    raise ValueError('no')\nreturn x", [[1], [2], [3]])
    assert [s for s, _ in results] == ["ok", "error", "ok"]


def test_system_exit_inside_a_test_is_an_error(pool: SandboxPool) -> None:
    assert _run(pool, "raise SystemExit(0)")[0][0] == "error"


def test_hard_exit_mid_suite_is_a_crash_and_the_rest_still_run(pool: SandboxPool) -> None:
    results = _run(pool, "import os\nif x == 2:\n    os._exit(0)\nreturn x", [[1], [2], [3]])
    assert results == [("ok", 1), ("crash", "the process died during this test"), ("ok", 3)]


def test_exit_at_import_fails_every_test(pool: SandboxPool) -> None:
    batch = pool.run_batch("import sys\nsys.exit(0)\ndef f(x): return x", "f", [[1], [2]])
    assert [r.status for r in batch.results] == ["missing", "missing"]
    assert batch.load_error is not None


def test_per_test_timeout_then_resume(pool: SandboxPool) -> None:
    limits = Limits(wall=10, test=0.3)
    results = _run(pool, "while x == 2:\n    pass\nreturn x", [[1], [2], [3]], limits)
    assert [s for s, _ in results] == ["ok", "timeout", "ok"]


def test_signal_ignoring_hang_is_killed_by_the_zygote(pool: SandboxPool) -> None:
    body = (
        "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "if x == 2:\n    time.sleep(60)\nreturn x"
    )
    results = _run(pool, body, [[1], [2], [3]], Limits(wall=10, test=0.3))
    assert [s for s, _ in results] == ["ok", "timeout", "ok"]


def test_wall_limit_bounds_the_whole_batch(pool: SandboxPool) -> None:
    started = time.monotonic()
    results = _run(
        pool,
        "import time\ntime.sleep(0.4)\nreturn x",
        [[i] for i in range(20)],
        Limits(wall=1.0, test=1.0),
    )
    assert time.monotonic() - started < 5
    assert sum(s == "ok" for s, _ in results) < 20


def test_memory_limit(pool: SandboxPool) -> None:
    status, detail = _run(pool, "return len(bytearray(4 * 1024**3))", limits=Limits(memory_mb=256))[
        0
    ]
    assert status == "error" and "MemoryError" in str(detail)


def test_file_size_limit(pool: SandboxPool) -> None:
    body = "open('big', 'wb').write(b'x' * (8 * 1024**2))\nreturn 1"
    assert _run(pool, body, limits=Limits(file_mb=1))[0][0] in ("error", "crash")


def test_open_files_limit(pool: SandboxPool) -> None:
    body = "fs = [open('f%d' % i, 'w') for i in range(200)]\nreturn len(fs)"
    status, detail = _run(pool, body, limits=Limits(open_files=32))[0]
    assert status == "error" and "Too many open files" in str(detail)


def test_process_creation_is_blocked(pool: SandboxPool) -> None:
    status, detail = _run(pool, "import os\nreturn os.fork()")[0]
    assert status == "error" and "PermissionError" in str(detail)


def test_subprocess_is_blocked(pool: SandboxPool) -> None:
    status, _ = _run(pool, "import subprocess\nreturn subprocess.run(['true']).returncode")[0]
    assert status == "error"


def test_threads_still_work(pool: SandboxPool) -> None:
    body = (
        "import threading\nout = []\nt = threading.Thread(target=out.append, args=(x,))\n"
        "t.start()\nt.join()\nreturn out"
    )
    assert _run(pool, body, [[5]]) == [("ok", [5])]


def test_no_network(pool: SandboxPool) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        body = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 1)\nreturn 1"
        status, _ = _run(pool, body)[0]
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert status == "error"


def test_cannot_read_files_outside_the_sandbox(pool: SandboxPool, tmp_path: Path) -> None:
    secret = tmp_path / "expected_outputs.json"
    secret.write_text("[42]")
    status, detail = _run(pool, f"return open({str(secret)!r}).read()")[0]
    assert status == "error" and ("Permission" in str(detail) or "No such file" in str(detail))


def test_cannot_read_the_project_source(pool: SandboxPool) -> None:
    path = Path(__file__).resolve()
    assert _run(pool, f"return open({str(path)!r}).read()")[0][0] == "error"


def test_cannot_write_outside_the_workdir(pool: SandboxPool, tmp_path: Path) -> None:
    target = tmp_path / "escaped"
    _run(pool, f"open({str(target)!r}, 'w').write('x')\nreturn 1")
    assert not target.exists()


def test_can_write_in_its_private_workdir(pool: SandboxPool) -> None:
    body = "open('scratch', 'w').write('hi')\nreturn open('scratch').read()"
    assert _run(pool, body) == [("ok", "hi")]


def test_cannot_signal_the_judge(pool: SandboxPool) -> None:
    status, _ = _run(pool, f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)\nreturn 1")[
        0
    ]
    assert status == "error"  # and this test process is still alive to see it


def test_cannot_kill_every_process(pool: SandboxPool) -> None:
    status, _ = _run(pool, "import os, signal\nos.kill(-1, signal.SIGKILL)\nreturn 1")[0]
    assert status == "error"
    assert _run(pool, "return x") == [("ok", 1)]  # the worker survived


def test_lying_int_subclass_cannot_cross(pool: SandboxPool) -> None:
    code = (
        "class Yes(int):\n    def __eq__(self, o): return True\n    __hash__ = int.__hash__\n"
        "def f(x): return Yes(0)"
    )
    result = pool.run_batch(code, "f", [[1]]).results[0]
    assert result.status == "error" and "cannot send" in str(result.detail)


def test_forged_result_line_is_only_a_value(pool: SandboxPool) -> None:
    # While test 0 runs, the program writes a record for test 1 on every fd it can
    # find. The first record for an index wins, so test 1 reads "forged" -- and a
    # forged record is still just a value, which the judge compares like any
    # other (it cannot say "passed"). See tests/graders for the verdict side.
    code = (
        "import os\n"
        "def f(x):\n"
        "    for fd in range(3, 1024):\n"
        '        try: os.write(fd, b\'{"i":1,"v":"forged"}\\n\')\n'
        "        except OSError: pass\n"
        "    return x\n"
    )
    results = pool.run_batch(code, "f", [[0], [1]]).results
    assert results[0].value == 0
    assert (results[1].status, results[1].value) == ("ok", "forged")


def test_session_calls_one_at_a_time(pool: SandboxPool) -> None:
    with pool.session("def f(a, b):\n    return a + b\n", "f") as session:
        assert session.call([1, 2]).value == 3
        assert session.call(["a", "b"]).value == "ab"


def test_session_timeout_marks_the_call(pool: SandboxPool) -> None:
    code = "import time\ndef f(x):\n    time.sleep(30)\n"
    with pool.session(code, "f", Limits(wall=10, test=0.3)) as session:
        assert session.call([1]).status == "timeout"


def test_dead_worker_is_replaced_and_the_request_retried() -> None:
    with SandboxPool(workers=1) as fresh:
        worker = fresh._idle.queue[0]
        assert worker._proc is not None
        os.killpg(worker._proc.pid, signal.SIGKILL)
        worker._proc.wait()
        assert fresh.run_batch("def f(x): return x", "f", [[7]]).results[0].value == 7


def test_worker_failing_twice_is_an_infra_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with SandboxPool(workers=1) as fresh:

        def broken(self: Worker, message: object, timeout: float) -> None:
            raise WorkerDied("simulated")

        monkeypatch.setattr(Worker, "request", broken)
        with pytest.raises(InfraError):
            fresh.run_batch("def f(x): return x", "f", [[1]])


def test_isolation_none_still_confines_children() -> None:
    with SandboxPool(workers=1, isolation="none") as plain:
        assert "userns" not in plain.mechanisms
        result = plain.run_batch("import os\ndef f(x): return os.fork()", "f", [[1]]).results[0]
        assert result.status == "error"


def test_mechanisms_are_reported(pool: SandboxPool) -> None:
    assert "rlimits" in pool.mechanisms


def test_cannot_read_installed_packages(pool: SandboxPool) -> None:
    # site-packages is where an installed proctor keeps its shipped tasks
    import pydantic

    target = Path(pydantic.__file__).resolve()
    assert "site-packages" in str(target)
    status, detail = _run(pool, f"return open({str(target)!r}).read()[:10]")[0]
    # Landlock refuses it; a venv under /tmp is not even there (the sandbox's /tmp is private)
    assert status == "error" and ("Permission" in str(detail) or "No such file" in str(detail))


def test_can_import_stdlib_modules_that_were_not_preloaded(pool: SandboxPool) -> None:
    assert _run(pool, "import calendar\nreturn calendar.isleap(2024)") == [("ok", True)]


def _digest(value: object) -> bytes:
    from proctor.sandbox import value_digest
    from proctor.sandbox.runtime import codec

    return value_digest(codec.dumps(value).encode())


def test_a_line_carrying_the_expected_text_is_a_match_without_decoding() -> None:
    from proctor.sandbox._pool import decode_records, expected_line

    body = expected_line(0, (1, [2.5])) + b"\n" + b'{"i":1,"v":3}\n'
    first, second = decode_records(body, 2, [_digest((1, [2.5])), _digest(4)])
    assert first.matched and first.status == "ok"
    assert not second.matched and second.value == 3


@pytest.mark.parametrize(
    "value",
    [[1e-05, 2.5], "caf\u00e9 \u2028", "\x7f", 2**70, [2**70, "\u00e9"], {"k": -0.0}],
    ids=["small-float", "non-ascii", "del", "65-bit-int", "mixed", "dict"],
)
def test_a_right_answer_comes_back_byte_identical(pool: SandboxPool, value: object) -> None:
    # values orjson and json spell differently: the child and the judge use one encoder
    code = f"def f():\n    return {value!r}\n"
    (result,) = pool.run_batch(code, "f", [[]], known=[_digest(value)]).results
    assert result.matched and result.status == "ok"


def test_a_wrong_value_does_not_match() -> None:
    from proctor.sandbox._pool import decode_records, expected_line

    (result,) = decode_records(expected_line(0, "wrong") + b"\n", 1, [_digest("right")])
    assert not result.matched and result.value == "wrong"


def test_the_right_value_under_another_index_does_not_match() -> None:
    from proctor.sandbox._pool import decode_records, expected_line

    # test 1's right answer written as test 0's: test 0 expects something else
    first, _ = decode_records(expected_line(0, "one") + b"\n", 2, [_digest("zero"), _digest("one")])
    assert not first.matched and first.value == "one"


@pytest.mark.parametrize(
    "line",
    [
        b'{"i":0,"v":"right","x":1}',
        b'{"i":0, "v":"right"}',
        b'{"i":0,"v":"right"} ',
        b'{"i":00,"v":"right"}',
    ],
    ids=["extra-key", "space-after-comma", "trailing-space", "padded-index"],
)
def test_only_the_exact_line_shape_matches(line: bytes) -> None:
    from proctor.sandbox._pool import decode_records

    (result,) = decode_records(line + b"\n", 1, [_digest("right")])
    assert not result.matched


def test_digests_must_cover_every_test(pool: SandboxPool) -> None:
    with pytest.raises(ValueError, match="1 expected digests for 2 tests"):
        pool.run_batch("def f(x): return x", "f", [[1], [2]], known=[_digest(1)])


def test_crash_after_buffered_results_is_still_attributed_exactly(pool: SandboxPool) -> None:
    # The first run buffers its lines; the crash loses them; the re-run writes one
    # line per test, so the crash lands on the right test and the others pass.
    body = "import os\nif x == 40:\n    os._exit(0)\nreturn x"
    results = _run(pool, body, [[i] for i in range(60)])
    assert [s for s, _ in results].count("crash") == 1
    assert results[40][0] == "crash"
    assert all(results[i] == ("ok", i) for i in range(60) if i != 40)
