"""Skip a real-model lab test, with the way to run it, when TRL and friends are missing."""

from __future__ import annotations

import pytest


def need_trainer_stack(*modules: str, what: str = "the real-model lab") -> None:
    """``pytest.skip`` unless every module imports (a broken install may raise anything)."""
    for module in modules:
        try:
            __import__(module)
        except Exception as exc:
            pytest.skip(
                f"{what} needs {module} ({type(exc).__name__}: {exc}); run "
                "`bash scripts/test-trainers.sh` (builds .venv-trainers with TRL)"
            )
