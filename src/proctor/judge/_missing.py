"""Detect the rollouts of a stored run that have no ensemble verdict yet."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from proctor.judge._judge import Judge, content_key, verdicts_of
from proctor.records import Grade, Rollout, Task, Verdict

STORE_FILE = "run.sqlite"


def detect_missing(
    rollouts: Sequence[Rollout],
    grades: Sequence[Grade],
    verdicts: Sequence[Verdict],
    tasks: Mapping[str, Task],
    run_dir: Path | None = None,
    workers: int = 2,
    sandbox: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[Verdict]:
    """Every detector's verdict and the ensemble's for the rollouts of a known task that
    have no ensemble verdict in ``verdicts``; stored into ``run_dir``'s run store when it
    has one. ``progress(done, total)`` counts distinct completions."""
    from proctor.common import default_cache_dir

    judged = {v.rollout_id for v in verdicts if v.detector == "ensemble"}
    todo = [r for r in rollouts if r.id not in judged and r.task_id in tasks]
    if not todo:
        return []
    total = len({content_key(r) for r in todo})
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], total)

    by_id = {g.rollout_id: g for g in grades}
    with Judge(workers=workers, sandbox=sandbox, cache_dir=default_cache_dir()) as judge:
        judged_now = judge.judge(
            tasks, todo, [by_id[r.id] for r in todo if r.id in by_id], on_detected=tick
        )
    new = verdicts_of(judged_now)
    if run_dir is not None and (run_dir / STORE_FILE).is_file():
        from proctor.runs import RunStore

        with RunStore(run_dir) as store:
            store.add_verdicts(new)
    return new


__all__ = ["detect_missing"]
