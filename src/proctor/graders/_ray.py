"""The Ray backend: hardened grading spread over a Ray cluster (``pip install 'proctor[ray]'``).

One actor per node holds a warm `HardenedGrader` (its own sandbox pool). A task's
expected outputs are computed once, by the actor that owns the task, and shared
through the object store: another actor fetches them only when it is handed work of
that task. Work goes to the task's owner while it has a free slot (its plan is
warm there), else to any free actor; the slowest tasks start first. When an actor
or its node dies, each of its unfinished rollouts is re-run once on another actor;
every rollout gets exactly one grade, and a second loss gives an ``infra_error``
grade, never a made-up score.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proctor.graders._base import Grader
from proctor.graders._expected import Expected
from proctor.graders._hardened import HardenedGrader
from proctor.graders._registry import register_grader
from proctor.records import Grade, Rollout, Task
from proctor.sandbox import Isolation, Limits


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ImportError(
            f"the Ray backend needs ray ({exc}). Install it with: pip install 'proctor[ray]'"
        ) from exc
    return ray


class NodeGrader:
    """The actor body: one warm hardened grader (sandbox pool) on one node."""

    def __init__(
        self, workers: int, limits: Limits | None, isolation: Isolation, cache_dir: Path | None
    ) -> None:
        self.grader = HardenedGrader(
            workers=workers, limits=limits, isolation=isolation, cache_dir=cache_dir
        )
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()
        self._graded = 0

    def describe(self) -> tuple[str, list[str]]:
        """This actor's node id and sandbox mechanisms."""
        return _ray().get_runtime_context().get_node_id(), self.grader.mechanisms

    def prepare(self, task: Task) -> tuple[tuple[float, float], dict[str, Expected]]:
        """Build ``task``'s plan here (its expected outputs, computed once) and return
        (reference seconds, wall budget) and the expected outputs by suite, to share."""
        with self._lock:
            self._tasks[task.id] = task
        budget = self.grader.wall_budget(task)
        expected = {
            name: self.grader.expected.get(task, suite)
            for name, suite in (("visible", task.visible), ("heldout", task.heldout))
            if suite is not None and suite.kind == "io"
        }
        return (self.grader.reference_seconds(task), budget), expected

    def grade(
        self, task_id: str, task_ref: list[Any], shared: list[Any], rollout: Rollout
    ) -> Grade:
        """Grade one rollout. ``task_ref`` and ``shared`` hold object refs (in lists, so Ray
        does not fetch them per call): fetched only the first time this actor sees the task."""
        ray = _ray()
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            task = ray.get(task_ref[0])
            try:
                for name, expected in ray.get(shared[0]).items():
                    suite = task.visible if name == "visible" else task.heldout
                    if suite is not None:
                        self.grader.expected.remember(task, suite, expected)
            except Exception:
                pass
            with self._lock:
                self._tasks[task_id] = task
        grade = self.grader.grade(task, rollout)
        with self._lock:
            self._graded += 1
        return grade

    def counts(self) -> dict[str, int]:
        """Reference runs done here (suites) and rollouts graded here."""
        return {"computed": self.grader.expected.computed, "graded": self._graded}

    def close(self) -> None:
        self.grader.close()


@dataclass
class _Actor:
    handle: Any
    node: str
    capacity: int
    busy: int = 0
    alive: bool = True


@dataclass
class _Entry:
    task: Task
    ref: Any
    owner: _Actor | None
    shared: Any
    cost: float
    budget: float


@dataclass
class RayStats:
    """What the cluster did: rollouts dispatched, re-run after a loss, actors lost."""

    dispatched: int = 0
    completed: int = 0
    reruns: int = 0
    lost_actors: list[str] = field(default_factory=list)


class RayGrader(Grader):
    """The hardened grader on a Ray cluster: same API, one actor (sandbox pool) per node.

    ``address`` is passed to ``ray.init`` when Ray is not initialised yet (None starts
    or joins a local one). Every alive node with CPUs gets an actor with
    ``workers_per_node`` sandbox workers (``nodes`` picks some by id). `grade_many`
    ignores its ``workers`` argument: the cluster's slots bound the parallelism.
    """

    name = "ray"
    exploitable = False

    def __init__(
        self,
        workers_per_node: int = 2,
        limits: Limits | None = None,
        isolation: Isolation = "auto",
        cache_dir: Path | None = None,
        address: str | None = None,
        nodes: Iterable[str] | None = None,
    ) -> None:
        ray = _ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        wanted = set(nodes) if nodes is not None else None
        ids = [
            n["NodeID"]
            for n in ray.nodes()
            if n["Alive"]
            and n["Resources"].get("CPU", 0) > 0
            and (wanted is None or n["NodeID"] in wanted)
        ]
        if not ids:
            raise RuntimeError("no alive Ray node with CPUs to grade on")
        remote = ray.remote(NodeGrader)
        self._actors = [
            _Actor(
                remote.options(
                    num_cpus=0,
                    max_restarts=0,
                    max_concurrency=workers_per_node + 2,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
                ).remote(workers_per_node, limits, isolation, cache_dir),
                node,
                workers_per_node,
            )
            for node in ids
        ]
        described = ray.get([a.handle.describe.remote() for a in self._actors])
        self._mechanisms: list[str] = described[0][1]
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.stats = RayStats()

    @property
    def mechanisms(self) -> list[str]:
        return list(self._mechanisms)

    @property
    def nodes(self) -> list[str]:
        """Ids of the nodes with a live grading actor."""
        return [a.node for a in self._actors if a.alive]

    @property
    def workers(self) -> int:
        """Rollouts graded at once, all live actors together."""
        return sum(a.capacity for a in self._actors if a.alive)

    # -- preparing tasks ---------------------------------------------------------

    def prepare(self, tasks: Iterable[Task]) -> dict[str, _Entry]:
        """Build the plans of ``tasks`` on the cluster, each once, by the actor that will own
        it (spread over the actors); returns what the driver keeps about every task."""
        ray = _ray()
        fresh: list[tuple[Task, _Actor, Any, Any, Any]] = []
        with self._lock:
            load = {id(a): 0.0 for a in self._actors}
            for entry in self._entries.values():
                if entry.owner is not None:
                    load[id(entry.owner)] += entry.cost
            for task in tasks:
                known = self._entries.get(task.id)
                if known is not None and (known.task is task or known.task == task):
                    continue
                if any(item[0].id == task.id for item in fresh):
                    continue
                live = [a for a in self._actors if a.alive]
                if not live:
                    break
                owner = min(live, key=lambda a: load[id(a)])
                load[id(owner)] += 1.0  # spread the reference runs before their cost is known
                ref = ray.put(task)
                info, shared = owner.handle.prepare.options(num_returns=2).remote(ref)
                fresh.append((task, owner, ref, info, shared))
        for task, owner, ref, info, shared in fresh:
            try:
                cost, budget = ray.get(info)
            except Exception:
                cost, budget, owner = 0.0, 0.0, None  # type: ignore[assignment]
            with self._lock:
                self._entries[task.id] = _Entry(task, ref, owner, shared, cost, budget)
        with self._lock:
            return dict(self._entries)

    def wall_budget(self, task: Task) -> float:
        """Seconds one rollout of ``task`` may take (builds its plan on the cluster)."""
        return self.prepare([task])[task.id].budget

    def reference_seconds(self, task: Task) -> float:
        """Seconds the reference took on ``task``'s io tests (0 when unknown)."""
        return self.prepare([task])[task.id].cost

    # -- grading -----------------------------------------------------------------

    def grade(self, task: Task, rollout: Rollout) -> Grade:
        return next(iter(self.grade_many([(task, rollout)])))

    def grade_many(
        self,
        pairs: Iterable[tuple[Task, Rollout]],
        workers: int = 1,
        on_done: Callable[[Grade], None] | None = None,
    ) -> Iterator[Grade]:
        """Grade many rollouts across the cluster, the slowest tasks first; yields in
        input order. A rollout whose actor died is re-run once elsewhere."""
        pairs = list(pairs)
        entries = self.prepare(task for task, _ in pairs)
        for grade in self._run(pairs, entries):
            if on_done is not None:
                on_done(grade)
            yield grade

    def _run(self, pairs: list[tuple[Task, Rollout]], entries: dict[str, _Entry]) -> list[Grade]:
        ray = _ray()
        from ray.exceptions import RayActorError, RayTaskError

        cost = {task_id: entry.cost for task_id, entry in entries.items()}
        pending = sorted(range(len(pairs)), key=lambda k: -cost.get(pairs[k][0].id, 0.0))
        grades: list[Grade | None] = [None] * len(pairs)
        rerun = [False] * len(pairs)
        inflight: dict[Any, tuple[int, _Actor]] = {}
        while pending or inflight:
            with self._lock:
                live = [a for a in self._actors if a.alive]
                for actor in live:
                    while pending and actor.busy < actor.capacity:
                        k = self._pick(pending, actor, pairs, entries)
                        task, rollout = pairs[k]
                        entry = entries.get(task.id)
                        if entry is None:  # no live actor could prepare it
                            grades[k] = self._failed(task, rollout, "no live Ray actor")
                            continue
                        actor.busy += 1
                        ref = actor.handle.grade.remote(
                            task.id, [entry.ref], [entry.shared], rollout
                        )
                        inflight[ref] = (k, actor)
                        self.stats.dispatched += 1
            if not inflight:
                if not live:
                    for k in pending:
                        grades[k] = self._failed(*pairs[k], "every Ray grading actor is lost")
                    break
                time.sleep(0.02)  # other callers hold every slot
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
            for ref in ready:
                k, actor = inflight.pop(ref)
                with self._lock:
                    actor.busy -= 1
                try:
                    grades[k] = ray.get(ref)
                    with self._lock:
                        self.stats.completed += 1
                except RayActorError:
                    self._lose(actor, entries)
                    if rerun[k]:
                        grades[k] = self._failed(*pairs[k], "lost twice with its Ray actor")
                    else:
                        rerun[k] = True
                        pending.insert(0, k)
                        with self._lock:
                            self.stats.reruns += 1
                except RayTaskError as exc:
                    grades[k] = self._failed(*pairs[k], f"the Ray actor failed: {exc}"[:500])
        return [
            g if g is not None else self._failed(*pairs[k], "never graded")
            for k, g in enumerate(grades)
        ]

    @staticmethod
    def _pick(
        pending: list[int],
        actor: _Actor,
        pairs: list[tuple[Task, Rollout]],
        entries: dict[str, _Entry],
    ) -> int:
        """The first pending rollout whose task this actor owns, else the first pending."""
        for position, k in enumerate(pending):
            entry = entries.get(pairs[k][0].id)
            if entry is not None and entry.owner is actor:
                return pending.pop(position)
        return pending.pop(0)

    def _lose(self, actor: _Actor, entries: dict[str, _Entry]) -> None:
        with self._lock:
            if not actor.alive:
                return
            actor.alive = False
            self.stats.lost_actors.append(actor.node)
            for entry in [*entries.values(), *self._entries.values()]:
                if entry.owner is actor:
                    entry.owner = None  # its plan is gone: any actor will do

    def _failed(self, task: Task, rollout: Rollout, why: str) -> Grade:
        return Grade(
            rollout_id=rollout.id,
            task_id=task.id,
            grader=self.name,
            status="infra_error",
            error=why,
            sandbox=self.mechanisms,
        )

    def close(self) -> None:
        ray = _ray()
        if not ray.is_initialized():
            return
        for actor in self._actors:
            if actor.alive:
                try:
                    ray.get(actor.handle.close.remote(), timeout=10)
                except Exception:
                    pass
                ray.kill(actor.handle)
                actor.alive = False
        if self._owns_ray:
            ray.shutdown()


@register_grader(
    "ray",
    "the hardened grader spread over a Ray cluster, one sandbox pool "
    "per node (needs the ray extra)",
)
def ray_grader(
    workers: int = 2,
    limits: Limits | None = None,
    isolation: Isolation = "auto",
    cache_dir: Path | None = None,
    address: str | None = None,
) -> RayGrader:
    """Create the Ray grader (see `RayGrader`); ``workers`` is per node."""
    return RayGrader(
        workers_per_node=workers,
        limits=limits,
        isolation=isolation,
        cache_dir=cache_dir,
        address=address,
    )


__all__ = ["NodeGrader", "RayGrader", "RayStats", "ray_grader"]
