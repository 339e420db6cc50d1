"""Really grading the candidates the policy samples, each distinct one once.

Every reward in a lab run comes from running the sampled code under the chosen
grader. Grading is deterministic for a given (grader, task, program) — the same
tests, the same comparisons — so each distinct candidate is graded once and its
`Grade` reused for every later sample of it, in this run and (through an on-disk
cache) in later runs. The one source of non-determinism is a time limit hit
under load (a deliberately slow hack, a looping bug); the cache freezes the
first outcome, which is what makes a run reproducible from its seed.

Gold (held-out pass rate) always comes from the hardened grader: the naive
graders' held-out scores are exactly as exploitable as their proxy.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from proctor.bench.lab._pool import Candidate
from proctor.graders import create_grader
from proctor.judge import Judge
from proctor.records import Grade, Task

GOLD_GRADER = "hardened"


def default_cache_dir() -> Path:
    """``$PROCTOR_CACHE_DIR/lab`` or ``~/.cache/proctor/lab``."""
    from proctor.common import default_cache_dir as expected_dir

    return expected_dir().parent / "lab"


def _key(grader: str, task: Task, candidate: Candidate) -> str:
    material = json.dumps(
        [grader, task.model_dump(mode="json"), candidate.code, candidate.completion],
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


class _Cache:
    """Grades by key, in memory and appended to ``<dir>/<grader>.jsonl``."""

    def __init__(self, grader: str, directory: Path | None) -> None:
        self.path = directory / f"{grader}.jsonl" if directory is not None else None
        self.grades: dict[str, Grade] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            self._load(self.path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                # a damaged line (a run killed mid-write) is regraded, never trusted
                try:
                    record = json.loads(line)
                    grade = Grade.model_validate(record["grade"])
                    key = str(record["key"])
                except (ValueError, KeyError, TypeError):
                    continue
                if grade.status == "ok":
                    self.grades[key] = grade

    def put(self, key: str, grade: Grade) -> None:
        with self._lock:
            self.grades[key] = grade
            # infra errors are not verdicts on the code: never persisted
            if self.path is None or grade.status != "ok":
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps({"key": key, "grade": grade.model_dump(mode="json")})
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")


class GradeBook:
    """The chosen grader's grade and the hardened gold for each candidate, graded once."""

    def __init__(
        self,
        grader: str,
        tasks: dict[str, Task],
        cache_dir: Path | None = None,
        workers: int = 2,
    ) -> None:
        self.grader_name = grader
        self.tasks = tasks
        self.workers = workers
        self._judges: dict[str, Judge] = {}
        self._caches = {name: _Cache(name, cache_dir) for name in {grader, GOLD_GRADER}}

    def _judge(self, name: str) -> Judge:
        if name not in self._judges:
            options = {"workers": self.workers} if name == "hardened" else {}
            self._judges[name] = Judge(create_grader(name, **options), workers=self.workers)
        return self._judges[name]

    def _ensure(
        self, name: str, candidates: Sequence[Candidate], on_done: Callable[[Grade], None] | None
    ) -> None:
        cache = self._caches[name]
        todo: dict[str, tuple[Task, Candidate]] = {}
        for c in candidates:
            task = self.tasks[c.task_id]
            key = _key(name, task, c)
            if key not in cache.grades:
                todo[key] = (task, c)
        if not todo:
            return
        tasks = {task.id: task for task, _ in todo.values()}
        rollouts = [c.as_rollout(c.id) for _, c in todo.values()]
        grades = self._judge(name).grade(tasks, rollouts, on_done=on_done)
        for key, grade in zip(todo, grades, strict=True):
            cache.put(key, grade)

    def ensure(
        self, candidates: Sequence[Candidate], on_done: Callable[[Grade], None] | None = None
    ) -> None:
        """Grade the candidates not graded yet, with the chosen grader and for gold."""
        for name in self._caches:
            self._ensure(name, candidates, on_done)

    def grade(self, candidate: Candidate) -> Grade:
        """The chosen grader's grade of ``candidate`` (call `ensure` first)."""
        name = self.grader_name
        return self._caches[name].grades[_key(name, self.tasks[candidate.task_id], candidate)]

    def gold(self, candidate: Candidate) -> float | None:
        """Held-out pass rate under the hardened grader (``None`` if it could not grade)."""
        key = _key(GOLD_GRADER, self.tasks[candidate.task_id], candidate)
        grade = self._caches[GOLD_GRADER].grades[key]
        return grade.gold if grade.status == "ok" else None

    def close(self) -> None:
        """Stop the graders' worker processes."""
        for judge in self._judges.values():
            judge.close()
        self._judges.clear()

    def __enter__(self) -> GradeBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
