"""The sandbox: run untrusted code with kernel-enforced limits; only plain data comes back."""

from proctor.registry import SANDBOXES
from proctor.sandbox._cancel import Cancelled, LinkedEvent, cancel_event, cancellable
from proctor.sandbox._errors import InfraError
from proctor.sandbox._isolation import Isolation
from proctor.sandbox._limits import Limits
from proctor.sandbox._pool import (
    DIGEST_BYTES,
    BatchResult,
    CallResult,
    SandboxPool,
    Session,
    expected_line,
    value_digest,
)
from proctor.sandbox._process import kill_session
from proctor.sandbox._worker import WorkerDied

SANDBOXES.register(
    "local",
    SandboxPool,
    "worker processes on this machine in namespaces (or bubblewrap), with rlimits and seccomp",
)

__all__ = [
    "DIGEST_BYTES",
    "BatchResult",
    "CallResult",
    "Cancelled",
    "InfraError",
    "Isolation",
    "Limits",
    "LinkedEvent",
    "SandboxPool",
    "Session",
    "WorkerDied",
    "cancel_event",
    "cancellable",
    "expected_line",
    "kill_session",
    "value_digest",
]
