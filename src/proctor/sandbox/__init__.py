"""The sandbox: run untrusted code with kernel-enforced limits; only plain data comes back."""

from proctor.sandbox._errors import InfraError
from proctor.sandbox._isolation import Isolation
from proctor.sandbox._limits import Limits
from proctor.sandbox._pool import BatchResult, CallResult, SandboxPool, Session
from proctor.sandbox._process import kill_session

__all__ = [
    "BatchResult",
    "CallResult",
    "InfraError",
    "Isolation",
    "Limits",
    "SandboxPool",
    "Session",
    "kill_session",
]
