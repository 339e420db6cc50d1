"""No job sees another: a graded child finds nothing of earlier jobs in its memory.

A reference run (its source and its results carry a random marker) goes through
the same pool first; then a graded program reads every readable page of its own
address space (``/proc/self/mem``; Landlock is off in this pool only so that the
scan can see its own maps) and reports every place the marker occurs outside the
buffers the scan itself made.
"""

from __future__ import annotations

import secrets

from proctor.sandbox import SandboxPool

# Gets the marker XOR-ed with 0x5A: the job itself never carries the plain bytes.
_SCAN = r"""
import ctypes

def scan(masked):
    needle = bytes(b ^ 0x5A for b in masked)
    skip = [(id(needle), id(needle) + 64 + len(needle))]
    buf = bytearray(1 << 20)
    addr = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
    skip.append((addr, addr + len(buf)))
    hits = []
    with open("/proc/self/maps") as f:
        regions = f.read().splitlines()
    mem = open("/proc/self/mem", "rb", buffering=0)
    for line in regions:
        span, perms = line.split()[:2]
        if "r" not in perms or line.endswith(("[vvar]", "[vsyscall]", "[vvar_vclock]")):
            continue
        lo, hi = (int(x, 16) for x in span.split("-"))
        pos = lo
        while pos < hi:
            size = min(len(buf), hi - pos)
            try:
                mem.seek(pos)
                got = mem.readinto(memoryview(buf)[:size])
            except OSError:
                break
            start = 0
            while True:
                at = buf.find(needle, start, got)
                if at < 0:
                    break
                where = pos + at
                if not any(a <= where < b for a, b in skip):
                    hits.append(hex(where))
                start = at + 1
            # keep an overlap so a marker across two reads is still found
            pos += max(1, got - len(needle)) if got == size and got > len(needle) else size
    return hits
"""


def test_graded_child_cannot_find_a_reference_in_its_memory() -> None:
    marker = "PROCTORMARK" + secrets.token_hex(12)
    reference = f"def ref(x):\n    secret = {marker!r}\n    return [secret, x]\n"
    masked = [b ^ 0x5A for b in marker.encode()]
    with SandboxPool(workers=1, use_landlock=False) as pool:
        ref = pool.run_batch(reference, "ref", [[i] for i in range(50)])
        assert ref.results[0].value == [marker, 0]  # the marker really went through
        scan = pool.run_batch(_SCAN, "scan", [[masked]])
    result = scan.results[0]
    assert result.status == "ok", result.detail
    assert result.value == []


def test_graded_child_cannot_find_a_sibling_rollout_in_its_memory() -> None:
    marker = "PROCTORSIB" + secrets.token_hex(12)
    sibling = f"def f(x):\n    return {marker!r} * 3\n"
    masked = [b ^ 0x5A for b in marker.encode()]
    with SandboxPool(workers=1, use_landlock=False) as pool:
        assert pool.run_batch(sibling, "f", [[1]]).results[0].value == marker * 3
        with pool.session(sibling, "f") as session:  # a session job too
            assert session.call([1]).value == marker * 3
        scan = pool.run_batch(_SCAN, "scan", [[masked]])
    assert scan.results[0].status == "ok", scan.results[0].detail
    assert scan.results[0].value == []
