"""Graders by name: the grader view of `proctor.registry.GRADERS`.

`create_grader` stamps the grader with the `GraderSpec` that re-creates it; every
`Grade` it returns carries that spec (see `Grader.spec`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from proctor.graders._base import Grader
from proctor.records import GraderSpec
from proctor.registry import GRADERS, jsonable_options

GraderFactory = Callable[..., Grader]
F = TypeVar("F", bound=GraderFactory)

RESOURCE_OPTIONS = frozenset({"pool"})
"""Options that are live resources, never stored in a spec."""


def register_grader(name: str, summary: str) -> Callable[[F], F]:
    """Register a grader factory (or class) under ``name``; ``summary`` is shown by ``--help``.

    Registering the same factory again is harmless; another under a taken name is an error.
    """
    return GRADERS.decorator(name, summary)


def grader_names() -> dict[str, str]:
    """Registered grader names with their one-line summaries (plug-ins included)."""
    return GRADERS.names()


def create_grader(name: str, **options: Any) -> Grader:
    """Create the grader registered as ``name``; an unknown name lists close matches."""
    grader: Grader = GRADERS.create(name, **options)
    grader.spec = GraderSpec(name=name, options=jsonable_options(options, RESOURCE_OPTIONS))
    return grader


def create_grader_from_spec(spec: GraderSpec | dict[str, Any], **resources: Any) -> Grader:
    """Re-create a grader from the spec stored in one of its grades."""
    spec = spec if isinstance(spec, GraderSpec) else GraderSpec.model_validate(spec)
    return create_grader(spec.name, **spec.options, **resources)


__all__ = ["create_grader", "create_grader_from_spec", "grader_names", "register_grader"]
