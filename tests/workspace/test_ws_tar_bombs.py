"""Bounded input parsing: any rollout under 1 MB costs the judge < 1 s CPU and < 100 MiB.

Costs are read from resource counters (CPU) and tracemalloc (peak of Python
allocations), never from wall time.
"""

from __future__ import annotations

import resource
import tarfile
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from proctor.workspace import RolloutError
from proctor.workspace._rollout import apply_diff, load_rollout

_ZEROS = bytes(1 << 20)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def _header(name: str, size: int, flag: bytes = b"0") -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = flag
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _gzip(parts: Iterator[bytes], path: Path) -> Path:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as f:
        for part in parts:
            f.write(z.compress(part))
        f.write(z.flush())
    return path


def _zeros(n_mib: int) -> Iterator[bytes]:
    for _ in range(n_mib):
        yield _ZEROS


def _cost(fn: Callable[[], Any]) -> tuple[float, int, BaseException | None]:
    tracemalloc.start()
    started = _cpu()
    error: BaseException | None = None
    try:
        fn()
    except RolloutError as exc:
        error = exc
    spent = _cpu() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return spent, peak, error


def test_members_under_skipped_directories_count(tmp_path: Path) -> None:
    def parts() -> Iterator[bytes]:
        yield _header("ws/.git/objects/pack", 512 << 20)  # skipped, but decompressed
        yield from _zeros(512)
        yield bytes(1024)

    bomb = _gzip(parts(), tmp_path / "skipped.tar.gz")
    assert bomb.stat().st_size < 1 << 20
    spent, peak, error = _cost(lambda: load_rollout(bomb, {}))
    assert isinstance(error, RolloutError) and "decompresses to more than" in str(error)
    assert spent < 1.0 and peak < 100 << 20


@pytest.mark.parametrize("flag", [b"x", b"L"])
def test_huge_extended_headers_are_refused_before_they_are_read(
    tmp_path: Path, flag: bytes
) -> None:
    def parts() -> Iterator[bytes]:
        yield _header("././@LongLink" if flag == b"L" else "pax", 128 << 20, flag)
        yield from _zeros(128)
        yield _header("a.py", 0) + bytes(1024)

    bomb = _gzip(parts(), tmp_path / "ext.tar.gz")
    assert bomb.stat().st_size < 1 << 20
    spent, peak, error = _cost(lambda: load_rollout(bomb, {}))
    assert isinstance(error, RolloutError)
    assert spent < 1.0 and peak < 100 << 20


def test_an_honest_tarball_with_long_names_still_reads(tmp_path: Path) -> None:
    long = "pkg/" + "d" * 120 + "/mod.py"
    path = tmp_path / "ok.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in ((long, b"x = 1\n"), ("ws/.git/HEAD", b"ref"), ("README", b"hi")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, __import__("io").BytesIO(data))
    files = load_rollout(path, {"pkg": b""}).files
    assert files == {long: b"x = 1\n", "README": b"hi"}


def test_a_one_megabyte_diff_is_cheap() -> None:
    pristine = {f"m{i}.py": b"".join(b"line %d\n" % j for j in range(40)) for i in range(400)}
    hunks = []
    for i in range(400):
        body = "".join(f"-line {j}\n+LINE {j}\n" for j in range(40))
        hunks.append(f"--- a/m{i}.py\n+++ b/m{i}.py\n@@ -1,40 +1,40 @@\n{body}")
    text = "".join(hunks)
    assert len(text) < 1 << 20
    spent, peak, error = _cost(lambda: apply_diff(text, pristine))
    assert error is None
    assert spent < 1.0 and peak < 100 << 20
