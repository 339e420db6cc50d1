"""Registry of detectors by name: a decorator over a factory or a detector class.

A detector is re-created from the `DetectorSpec` stored in each of its verdicts:
the spec keeps the JSON-serialisable factory options; resources (a sandbox pool,
an HTTP client) are passed again when re-creating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from proctor.detectors._base import Detector, Input
from proctor.records import DetectorSpec
from proctor.registry import DETECTORS, Entry, jsonable_options

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


RESOURCE_OPTIONS = frozenset({"pool", "client", "model", "tokenizer"})
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
    out for a class: its own ``reads`` attribute is used. Registering the same factory
    again is harmless; another under a taken name is an error.
    """

    def decorate(factory: F) -> F:
        inputs = reads if reads is not None else getattr(factory, "reads", None)
        if inputs is None:
            raise TypeError(f"detector {name!r}: say what it reads (reads={{'code', ...}})")
        DETECTORS.register(name, factory, summary, reads=frozenset(inputs), default=default)
        return factory

    return decorate


def _entry(entry: Entry[Any]) -> Registered:
    return Registered(
        entry.factory,
        entry.summary,
        frozenset(entry.meta.get("reads", ())),
        bool(entry.meta.get("default", False)),
    )


def detector_names() -> dict[str, str]:
    """Registered detector names with their one-line summaries (plug-ins included)."""
    return DETECTORS.names()


def default_detectors() -> list[str]:
    """Names of the detectors run by default (the LLM judge is off by default)."""
    return [name for name, entry in DETECTORS.entries().items() if _entry(entry).default]


def registered(name: str) -> Registered:
    """The registry entry for ``name``; an unknown name lists close matches."""
    return _entry(DETECTORS.get(name))


def create_detector(name: str, **options: Any) -> Detector:
    """Create the detector registered as ``name`` and stamp it with its spec."""
    entry = registered(name)
    detector = entry.factory(**options)
    kept = jsonable_options(options, RESOURCE_OPTIONS)
    detector.spec = DetectorSpec(name=name, options=kept)
    return detector


def create_detector_from_spec(spec: DetectorSpec | dict[str, Any], **resources: Any) -> Detector:
    """Re-create a detector from the spec stored in one of its verdicts."""
    spec = spec if isinstance(spec, DetectorSpec) else DetectorSpec.model_validate(spec)
    return create_detector(spec.name, **spec.options, **resources)


__all__ = [
    "Registered",
    "create_detector",
    "create_detector_from_spec",
    "default_detectors",
    "detector_names",
    "register_detector",
    "registered",
]
