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

__all__ = [
    "ATTACKS",
    "DEFAULT_GRADERS",
    "UNSAFE_WITHOUT_NAMESPACES",
    "Attack",
    "AttackContext",
    "AttackResult",
    "get_attack",
    "plan",
    "run_attacks",
]
