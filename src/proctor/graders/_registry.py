"""Registry of graders by name: a decorator over a factory, as inspect_ai does it."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, TypeVar

from proctor.graders._base import Grader

GraderFactory = Callable[..., Grader]
F = TypeVar("F", bound=GraderFactory)

_REGISTRY: dict[str, tuple[GraderFactory, str]] = {}


def register_grader(name: str, summary: str) -> Callable[[F], F]:
    """Register ``factory`` under ``name``; ``summary`` is shown by ``--help``."""

    def decorate(factory: F) -> F:
        if name in _REGISTRY:
            raise ValueError(f"a grader named {name!r} is already registered")
        _REGISTRY[name] = (factory, summary)
        return factory

    return decorate


def grader_names() -> dict[str, str]:
    """Registered grader names with their one-line summaries."""
    _load_builtins()
    return {name: summary for name, (_, summary) in sorted(_REGISTRY.items())}


def create_grader(name: str, **options: Any) -> Grader:
    """Create the grader registered as ``name``; an unknown name lists close matches."""
    _load_builtins()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no grader named {name!r}.{hint} Known: {', '.join(sorted(_REGISTRY))}")
    factory, _ = _REGISTRY[name]
    return factory(**options)


def _load_builtins() -> None:
    # Importing the modules runs their @register_grader decorators.
    from proctor.graders import _hardened, _naive_exec, _naive_pytest, _ray  # noqa: F401
    from proctor.workspace import _hardened as _ws_hardened  # noqa: F401
    from proctor.workspace import _naive as _ws_naive  # noqa: F401
