"""Attack suite: hack submissions, and the runner that tries them on every grader.

>>> from proctor.bench.attacks import ATTACKS
>>> ATTACKS["always_equal"].category
'lying-equality'
"""

from proctor.bench.attacks._catalogue import (
    ATTACKS,
    UNSAFE_WITHOUT_NAMESPACES,
    Attack,
    AttackContext,
    get_attack,
)
from proctor.bench.attacks._runner import DEFAULT_GRADERS, AttackResult, plan, run_attacks
from proctor.bench.attacks._workspace import WORKSPACE_ATTACKS, WORKSPACE_GRADERS
from proctor.bench.attacks._workspace_runner import run_workspace_attacks

__all__ = [
    "ATTACKS",
    "DEFAULT_GRADERS",
    "UNSAFE_WITHOUT_NAMESPACES",
    "WORKSPACE_ATTACKS",
    "WORKSPACE_GRADERS",
    "Attack",
    "AttackContext",
    "AttackResult",
    "get_attack",
    "plan",
    "run_attacks",
    "run_workspace_attacks",
]
