"""Shared fixtures: one warm sandbox pool per test session (starting one costs ~50 ms)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from proctor.graders._hardened import HardenedGrader
from proctor.sandbox import Limits, SandboxPool

# Tests never assert on wall time: hypothesis' per-example deadline (200 ms) failed
# property tests on a loaded shared machine (test_wco_le_uwo_le_mean, not reproducible
# with its seed). The properties are what is tested; the timing is not.
settings.register_profile("proctor", deadline=None)
settings.load_profile("proctor")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=1, limits=Limits(wall=10.0, test=1.0)) as p:
        yield p


@pytest.fixture(scope="session")
def hardened() -> Iterator[HardenedGrader]:
    grader = HardenedGrader(workers=1, limits=Limits(wall=10.0, test=1.0))
    yield grader
    grader.close()


@pytest.fixture()
def humanevalplus() -> Path:
    path = SHARED_DATA / "humanevalplus" / "HumanEvalPlus.jsonl.gz"
    if not path.exists():
        pytest.skip(f"HumanEval+ not found at {path} (it lives in ../shared/data)")
    return path
