"""Registry of detectors by name: a decorator over a factory or a detector class.

A detector is re-created from the `DetectorSpec` stored in each of its verdicts:
the spec keeps the JSON-serialisable factory options; resources (a sandbox pool,
an HTTP client) are passed again when re-creating.
"""

from __future__ import annotations

import difflib
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from proctor.detectors._base import Detector, Input
from proctor.records import DetectorSpec

DetectorFactory = Callable[..., Detector]
F = TypeVar("F", bound=DetectorFactory)


@dataclass(frozen=True)
class Registered:
    """A registered detector factory and what it says about itself."""

    factory: DetectorFactory
    summary: str
    reads: frozenset[Input]
    default: bool
    """Part of the default set that `proctor detect` runs."""


_REGISTRY: dict[str, Registered] = {}
RESOURCE_OPTIONS = frozenset({"pool", "client"})
"""Options that are live resources, never stored in a spec."""


def register_detector(
    name: str,
    summary: str,
    reads: frozenset[Input] | set[Input] | None = None,
    default: bool = True,
) -> Callable[[F], F]:
    """Register ``factory`` under ``name``; ``summary`` is shown by ``--help``.

    ``factory`` is a function returning a `Detector`, or a `Detector` class itself (its
    constructor's keyword options are the detector's options). ``reads`` may be left
    out for a class: its own ``reads`` attribute is used.
    """

    def decorate(factory: F) -> F:
        if name in _REGISTRY:
            raise ValueError(f"a detector named {name!r} is already registered")
        inputs = reads if reads is not None else getattr(factory, "reads", None)
        if inputs is None:
            raise TypeError(f"detector {name!r}: say what it reads (reads={{'code', ...}})")
        _REGISTRY[name] = Registered(factory, summary, frozenset(inputs), default)
        return factory

    return decorate


def detector_names() -> dict[str, str]:
    """Registered detector names with their one-line summaries."""
    _load_builtins()
    return {name: entry.summary for name, entry in sorted(_REGISTRY.items())}


def default_detectors() -> list[str]:
    """Names of the detectors run by default (the LLM judge is off by default)."""
    _load_builtins()
    return [name for name, entry in _REGISTRY.items() if entry.default]


def registered(name: str) -> Registered:
    """The registry entry for ``name``; an unknown name lists close matches."""
    _load_builtins()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"no detector named {name!r}.{hint} Known: {known}")
    return _REGISTRY[name]


def create_detector(name: str, **options: Any) -> Detector:
    """Create the detector registered as ``name`` and stamp it with its spec."""
    entry = registered(name)
    detector = entry.factory(**options)
    kept = {k: v for k, v in options.items() if k not in RESOURCE_OPTIONS and _jsonable(v)}
    detector.spec = DetectorSpec(name=name, options=kept)
    return detector


def create_detector_from_spec(spec: DetectorSpec | dict[str, Any], **resources: Any) -> Detector:
    """Re-create a detector from the spec stored in one of its verdicts."""
    spec = spec if isinstance(spec, DetectorSpec) else DetectorSpec.model_validate(spec)
    return create_detector(spec.name, **spec.options, **resources)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _load_builtins() -> None:
    # Importing the modules runs their @register_detector decorators.
    for module in ("_differential", "_ensemble", "_group", "_llm_judge", "_special_casing",
                   "_static", "_tamper", "_transcript"):
        importlib.import_module(f"proctor.detectors.{module}")


__all__ = [
    "Registered",
    "create_detector",
    "create_detector_from_spec",
    "default_detectors",
    "detector_names",
    "register_detector",
    "registered",
]
