"""The Ray backend on a local multi-node cluster (one machine): same grades as the local
grader, expected outputs computed once, and a node killed mid-batch loses nothing."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _add_task import ADD, FAST
from proctor.graders._hardened import HardenedGrader
from proctor.records import Rollout
from proctor.rewards import CodeReward

# Loopback only: without this Ray binds its cluster to the machine's outward address.
# Read when ray is imported, so set before.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")
from proctor.graders._ray import RayGrader  # noqa: E402

pytestmark = pytest.mark.ray

SLOW = "import time\n\ndef add(a, b):\n    time.sleep(0.1)\n    return a + b\n"
CODES = [
    "def add(a, b):\n    return a + b\n",
    "def add(a, b):\n    return a + b if b < 5 else 0\n",
    "def add(a, b):\n    raise ValueError\n",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Any, list[Any]]]:
    c = cluster_utils.Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": 80 << 20, "include_dashboard": False},
    )
    nodes = [c.add_node(num_cpus=1, object_store_memory=80 << 20) for _ in range(3)]
    c.wait_for_nodes()
    assert c.address.startswith("127.0.0.1:")
    ray.init(address=c.address, log_to_driver=False)
    try:
        yield c, nodes
    finally:
        ray.shutdown()
        c.shutdown()


def _rollouts(codes: list[str]) -> list[tuple[Any, Rollout]]:
    return [(ADD, Rollout(id=f"r{k}", task_id=ADD.id, code=code)) for k, code in enumerate(codes)]


def test_grades_match_the_local_grader(
    cluster: tuple[Any, list[Any]], hardened: HardenedGrader
) -> None:
    _, nodes = cluster
    pairs = _rollouts(CODES * 2)
    with RayGrader(workers_per_node=1, limits=FAST, nodes=[n.node_id for n in nodes[:2]]) as g:
        assert sorted(g.nodes) == sorted(n.node_id for n in nodes[:2])
        remote = list(g.grade_many(pairs))
    local = list(hardened.grade_many(pairs))
    assert [(r.rollout_id, r.proxy, r.gold, r.status) for r in remote] == [
        (r.rollout_id, r.proxy, r.gold, r.status) for r in local
    ]


def test_expected_outputs_are_computed_once_and_shared(cluster: tuple[Any, list[Any]]) -> None:
    _, nodes = cluster
    with RayGrader(workers_per_node=1, limits=FAST, nodes=[n.node_id for n in nodes[:2]]) as g:
        grades = list(g.grade_many(_rollouts([SLOW] * 8)))
        counts = ray.get([a.handle.counts.remote() for a in g._actors])
    assert all(grade.proxy == 1.0 for grade in grades)
    assert sum(c["computed"] for c in counts) == 2  # visible + heldout, once in the cluster
    assert all(c["graded"] > 0 for c in counts)  # the second node took work, not the outputs


def test_code_reward_on_ray_gives_the_local_rewards(
    cluster: tuple[Any, list[Any]], tmp_path: Path
) -> None:
    completions = [f"```python\n{code}```" for code in CODES]
    with CodeReward([ADD], workers=1, backend="ray", cache_dir=tmp_path) as reward:
        assert reward.workers == 3  # one slot on each of the three nodes
        results = reward.score_batch(completions, [ADD.id] * len(CODES))
    assert [(r.status, r.reward, r.gold) for r in results] == [
        ("ok", 1.0, 1.0),
        ("ok", 1.0, 0.75),
        ("ok", 0.0, 0.0),
    ]


def test_a_killed_node_loses_and_duplicates_nothing(cluster: tuple[Any, list[Any]]) -> None:
    c, nodes = cluster
    pairs = _rollouts([SLOW] * 18)
    with RayGrader(workers_per_node=1, limits=FAST) as g:
        assert len(g.nodes) == 3
        grades: list[Any] = []
        worker = threading.Thread(target=lambda: grades.extend(g.grade_many(pairs)))
        worker.start()
        deadline = time.monotonic() + 60
        busy = None
        while busy is None and time.monotonic() < deadline:
            time.sleep(0.02)
            if g.stats.completed >= 2:  # under way, and a rollout is in flight on a node
                busy = next((a for a in g._actors if a.busy > 0), None)
        assert busy is not None, "the batch never got under way"
        victim = next(n for n in nodes if n.node_id == busy.node)
        c.remove_node(victim, allow_graceful=False)  # mid-batch: its rollout is in flight
        worker.join(timeout=120)
        assert not worker.is_alive()
        assert g.stats.lost_actors == [victim.node_id]
        assert g.stats.reruns >= 1
    assert [grade.rollout_id for grade in grades] == [r.id for _, r in pairs]
    assert all(grade.status == "ok" and grade.proxy == 1.0 for grade in grades)
