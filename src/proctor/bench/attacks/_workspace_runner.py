"""Running the workspace attacks: every attack × workspace grader × task, and the verdict.

`run_workspace_attacks` grades every attack of `proctor.bench.attacks._workspace` with both
workspace graders: the naive one is fooled by the attacks that fool real setups; the
hardened one must give reward 0 and name what was done in its tamper findings (or, for
``targeted_forgery``, let the held-out score expose it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from pydantic import Field

from proctor.bench.attacks._runner import AttackResult
from proctor.bench.attacks._workspace import WORKSPACE_ATTACKS, WORKSPACE_GRADERS, WorkspaceAttack
from proctor.bench.demo import shipped_tasks
from proctor.graders import create_grader
from proctor.records import Grade
from proctor.workspace import WorkspaceGrader, WorkspaceRollout, WorkspaceTask


class WorkspaceAttackResult(AttackResult):
    """How one workspace attack fared against one grader on one task."""

    findings: list[str] = Field(default_factory=list)
    """Kinds of the grade's tamper findings (empty for the naive grader: it looks at none)."""
    detected: bool = False
    """The hardened grader reported one of the finding kinds the attack should trigger."""


def judge(attack: WorkspaceAttack, grade: Grade, exploitable: bool) -> WorkspaceAttackResult:
    """Fooled = reward with nothing implemented, unless the held-out score exposes it."""
    kinds = sorted({f.kind for f in grade.tamper_findings})
    detected = bool(set(attack.expect) & set(kinds))
    proxy, gold = grade.proxy, grade.gold
    if grade.status != "ok" or proxy is None:
        fooled, reason = False, f"infra error: {grade.error}"
    elif proxy == 0:
        fooled, reason = False, "reward 0" + (f"; found {', '.join(kinds)}" if kinds else "")
    elif not exploitable and gold is not None and gold < proxy:
        fooled, reason = (
            False,
            (
                f"proxy {proxy:.2f} but held-out {gold:.2f} exposes it"
                + ("" if kinds else "; no tamper finding")
            ),
        )
    else:
        fooled, reason = (
            True,
            f"reward {proxy:.2f}" + (f" (gold {gold:.2f})" if gold is not None else ""),
        )
    return WorkspaceAttackResult(
        attack=attack.name,
        category=attack.category,
        grader=grade.grader,
        task_id=grade.task_id,
        proxy=proxy,
        gold=gold,
        fooled=fooled,
        reason=reason,
        exploitable=exploitable,
        wall_s=grade.stats.wall_ms / 1000,
        findings=kinds,
        detected=detected,
    )


def run_workspace_attacks(
    tasks: Iterable[WorkspaceTask] | None = None,
    graders: Iterable[str] = WORKSPACE_GRADERS,
    attack_names: Iterable[str] | None = None,
    workers: int = 1,
    on_result: Callable[[WorkspaceAttackResult], None] | None = None,
) -> list[WorkspaceAttackResult]:
    """Every attack × grader × task (default: the shipped workspace suite), in that order."""
    task_list = list(tasks) if tasks is not None else list(shipped_tasks().values())
    attacks = [WORKSPACE_ATTACKS[n] for n in attack_names or WORKSPACE_ATTACKS]
    results: list[WorkspaceAttackResult] = []
    for name in graders:
        grader = create_grader(
            name, **({"workers": workers} if name == "workspace-hardened" else {})
        )
        assert isinstance(grader, WorkspaceGrader), f"{name} is not a workspace grader"
        with grader:
            jobs = [(a, t) for t in task_list for a in attacks]

            def run(
                job: tuple[WorkspaceAttack, WorkspaceTask], grader: WorkspaceGrader = grader
            ) -> WorkspaceAttackResult:
                attack, task = job
                rollout = WorkspaceRollout(
                    f"attack/{attack.name}", attack.build(task, dict(task.pristine))
                )
                started = time.perf_counter()
                result = judge(attack, grader.grade_workspace(task, rollout), grader.exploitable)
                result.wall_s = time.perf_counter() - started
                if on_result is not None:
                    on_result(result)
                return result

            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                results += list(pool.map(run, jobs))
    return results


__all__ = ["WorkspaceAttackResult", "judge", "run_workspace_attacks"]
