"""The on-disk activation cache: one ``.npy`` vector per (model, layer, pooling, row).

Re-scoring the same rollouts (a new probe, a new threshold, the detector after
training) must not run the model again. Files are written whole to a temporary name
and renamed, so a crash never leaves a half vector under a real key; an unreadable
file counts as a miss. Vectors are read with ``allow_pickle=False``: a cache directory
may be shared, and a pickled object array would run code when loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

CAPTURE_VERSION = 1
"""Part of every key: bump when the way vectors are computed changes."""


class ActivationCache:
    """Pooled vectors on disk under ``root``, keyed by `key`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key(
        model_id: str, layer: int, pooling: str, prompt: str, completion: str, max_length: int
    ) -> str:
        """The digest that names one vector."""
        fields = [CAPTURE_VERSION, model_id, layer, pooling, max_length, prompt, completion]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        """The vector stored under ``key``, or ``None`` (absent or unreadable)."""
        try:
            value = np.load(self.path(key), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        return value if isinstance(value, np.ndarray) and value.ndim == 1 else None

    def put(self, key: str, vector: np.ndarray) -> None:
        """Store ``vector`` under ``key`` (atomically)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(vector, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


__all__ = ["CAPTURE_VERSION", "ActivationCache"]
