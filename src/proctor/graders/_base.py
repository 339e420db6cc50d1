"""The grader interface every grader implements."""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

from proctor.records import Grade, GraderSpec, Rollout, Task


class Grader(abc.ABC):
    """Grades rollouts against tasks.

    Subclasses implement `grade`. `grade_many` runs `grade` on a thread pool: the
    work happens in child processes, so threads only wait on pipes.
    """

    name: str = "grader"
    """Registry name."""
    exploitable: bool = False
    """True for the deliberately naive graders that reproduce hackable setups."""
    _spec: GraderSpec | None = None

    @property
    def spec(self) -> GraderSpec:
        """What re-creates this grader (set by `create_grader`; else its name alone)."""
        return self._spec if self._spec is not None else GraderSpec(name=self.name)

    @spec.setter
    def spec(self, value: GraderSpec) -> None:
        self._spec = value

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # every grade a grader returns carries the spec that re-creates the grader
        for method in ("grade", "grade_workspace"):
            own = cls.__dict__.get(method)
            if own is not None and not getattr(own, "_stamps_spec", False):
                setattr(cls, method, _stamping(own))

    @abc.abstractmethod
    def grade(self, task: Task, rollout: Rollout) -> Grade:
        """Grade one rollout. Never raises for a bad program; infra failures are a Grade."""

    def grade_many(
        self,
        pairs: Iterable[tuple[Task, Rollout]],
        workers: int = 1,
        on_done: Callable[[Grade], None] | None = None,
    ) -> Iterator[Grade]:
        """Grade many rollouts with ``workers`` in parallel, yielding in input order.

        One rollout's unexpected exception becomes that rollout's ``infra_error``
        grade; it never fails the others.
        """
        pairs = list(pairs)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(self.grade, task, rollout) for task, rollout in pairs]
            for (task, rollout), future in zip(pairs, futures, strict=True):
                try:
                    grade = future.result()
                except Exception as exc:  # a bug or a library fault, not a verdict
                    grade = Grade(
                        rollout_id=rollout.id,
                        task_id=task.id,
                        grader=self.name,
                        status="infra_error",
                        error=f"grading raised {type(exc).__name__}: {exc}"[:500],
                    )
                if on_done is not None:
                    on_done(grade)
                yield grade

    def close(self) -> None:  # noqa: B027  (optional hook: most graders hold nothing)
        """Release worker processes. Safe to call twice."""

    def __enter__(self) -> Grader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _stamping(method: Callable[..., Grade]) -> Callable[..., Grade]:
    @functools.wraps(method)
    def stamped(self: Grader, *args: object, **kwargs: object) -> Grade:
        grade = method(self, *args, **kwargs)
        if isinstance(grade, Grade) and grade.spec is None:
            grade.spec = self.spec
        return grade

    stamped._stamps_spec = True  # type: ignore[attr-defined]
    return stamped
