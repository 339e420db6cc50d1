"""What the run store holds besides the core records: step scalars, batches, checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from proctor.records import Grade, Rollout, Verdict


class Scalar(BaseModel):
    """One named number for one training step (KL, entropy, mean reward...)."""

    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid", frozen=True)

    step: int = Field(ge=0)
    """Training step the value belongs to."""
    name: str = Field(min_length=1)
    """Metric name as the trainer logged it (``kl``, ``actor/entropy``...)."""
    value: float
    """The value; NaN is kept (stored as SQL NULL, read back as NaN)."""
    source: str = "trainer"
    """Who produced it: ``trainer`` for the trainer's own logs, ``proctor`` for values
    proctor derived. One value per (step, name, source)."""


@dataclass
class Batch:
    """Records read together from one place, written in one transaction."""

    rollouts: list[Rollout] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    scalars: list[Scalar] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rollouts) + len(self.grades) + len(self.verdicts) + len(self.scalars)


@dataclass(frozen=True)
class Checkpoint:
    """How far one source file has been read; saved with the rows it covers."""

    path: str
    """The file, resolved to an absolute path."""
    offset: int
    """Bytes consumed (of the decompressed stream for gzip; the file size for parquet)."""
    line: int
    """Lines (or parquet rows) consumed."""
    size: int
    """The file's size on disk when it was read through (to notice a rewrite); -1 when
    it was read only part-way (a later batch of the same read follows)."""
    mtime: float
    """The file's modification time when it was read."""


__all__ = ["Batch", "Checkpoint", "Scalar"]
