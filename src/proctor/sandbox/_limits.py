"""Resource limits for sandboxed code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Limits applied to every sandboxed run (one solution against one batch of tests)."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid", frozen=True)

    wall: float = Field(default=20.0, gt=0)
    """Wall-clock seconds for the whole batch, loading included."""
    test: float = Field(default=3.0, gt=0)
    """Wall-clock seconds for one test (a hung test is killed and the rest resume)."""
    memory_mb: int = Field(default=1024, ge=64)
    """Address-space cap (RLIMIT_AS) in MiB."""
    file_mb: int = Field(default=16, ge=0)
    """Largest file the code may write (RLIMIT_FSIZE), MiB."""
    open_files: int = Field(default=64, ge=16)
    """Open file descriptors (RLIMIT_NOFILE)."""
    processes: int = Field(default=1, ge=1)
    """RLIMIT_NPROC, used only where seccomp cannot block process creation."""
    output_mb: int = Field(default=64, ge=1)
    """Cap on the results a batch may send back, MiB."""
    restarts: int = Field(default=3, ge=0)
    """How often a crashed or hung batch is resumed past the failing test."""
    timeouts: int = Field(default=0, ge=0)
    """End a batch at this many timed-out tests (0: never). The tests not run by then
    come back ``missing`` and the reply says why (`BatchResult.ended`): a program that
    hangs costs about ``timeouts × test`` seconds, not the whole ``wall``."""
