"""One registry for every pluggable part: graders, detectors, sandboxes.

A part registers a factory (a function, or the class itself) under a name with a
one-line summary. Registering the same factory twice under one name is harmless
(a module imported twice); a different factory under a taken name is an error.
Built-in parts register when their package is imported; third-party parts load
through the entry-point groups ``proctor.graders``, ``proctor.detectors`` and
``proctor.sandboxes``: an entry point names a module (whose import registers
its parts) or a factory (registered under the entry point's name).
"""

from __future__ import annotations

import difflib
import importlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered part."""

    name: str
    factory: Callable[..., T]
    summary: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific facts (a detector's ``reads`` and ``default``)."""


class Registry(Generic[T]):
    """Parts of one kind by name."""

    def __init__(self, kind: str, builtins: tuple[str, ...], group: str) -> None:
        self.kind = kind
        self._builtins = builtins
        self.group = group
        self._entries: dict[str, Entry[T]] = {}
        self._loaded = False
        self._lock = threading.RLock()

    def register(
        self, name: str, factory: Callable[..., T], summary: str, **meta: Any
    ) -> Callable[..., T]:
        """Register ``factory`` under ``name``; the same factory again changes nothing."""
        with self._lock:
            known = self._entries.get(name)
            if known is not None:
                if _same(known.factory, factory):
                    return factory
                raise ValueError(f"a {self.kind} named {name!r} is already registered")
            self._entries[name] = Entry(name, factory, summary, dict(meta))
        return factory

    def decorator(self, name: str, summary: str, **meta: Any) -> Callable[[F], F]:
        """``@registry.decorator(name, summary)`` over a factory or a class."""

        def decorate(factory: F) -> F:
            self.register(name, factory, summary, **meta)
            return factory

        return decorate

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True  # set first: the imports below register re-entrantly
            for module in self._builtins:
                importlib.import_module(module)
            for point in metadata.entry_points(group=self.group):
                try:
                    loaded = point.load()
                except Exception as exc:  # a broken plug-in must not break proctor
                    log.warning("%s plug-in %r failed to load: %s", self.kind, point.name, exc)
                    continue
                if callable(loaded) and point.name not in self._entries:
                    doc = (getattr(loaded, "__doc__", None) or "").strip().splitlines()
                    self.register(point.name, loaded, doc[0] if doc else point.value)

    def entries(self) -> dict[str, Entry[T]]:
        """Every registered part by name, in registration order (built-ins, then plug-ins)."""
        self._load()
        return dict(self._entries)

    def names(self) -> dict[str, str]:
        """Registered names with their one-line summaries, sorted by name."""
        return {name: entry.summary for name, entry in sorted(self.entries().items())}

    def get(self, name: str) -> Entry[T]:
        """The entry for ``name``; an unknown name lists close matches."""
        self._load()
        if name not in self._entries:
            close = difflib.get_close_matches(name, self._entries, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            known = ", ".join(sorted(self._entries))
            raise KeyError(f"no {self.kind} named {name!r}.{hint} Known: {known}")
        return self._entries[name]

    def create(self, name: str, **options: Any) -> T:
        """Call the factory registered as ``name`` with ``options``."""
        return self.get(name).factory(**options)


def _same(a: Any, b: Any) -> bool:
    # a module re-executed (importlib.reload, a second import path) makes new objects
    # with the same qualified name: still the same part
    return a is b or (
        getattr(a, "__module__", None) == getattr(b, "__module__", None)
        and getattr(a, "__qualname__", None) == getattr(b, "__qualname__", None)
    )


def jsonable_options(options: Mapping[str, Any], resources: frozenset[str]) -> dict[str, Any]:
    """The options a spec keeps: JSON-serialisable values that are not live resources."""
    kept = {}
    for key, value in options.items():
        if key in resources:
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        kept[key] = value
    return kept


GRADERS: Registry[Any] = Registry(
    "grader", ("proctor.graders", "proctor.workspace"), "proctor.graders"
)
"""Graders (`proctor.graders.Grader` factories)."""
DETECTORS: Registry[Any] = Registry("detector", ("proctor.detectors",), "proctor.detectors")
"""Detectors (`proctor.detectors.Detector` factories); meta: ``reads``, ``default``."""
SANDBOXES: Registry[Any] = Registry("sandbox", ("proctor.sandbox",), "proctor.sandboxes")
"""Sandbox pools (`proctor.sandbox.SandboxPool` factories)."""

__all__ = ["DETECTORS", "GRADERS", "SANDBOXES", "Entry", "Registry", "jsonable_options"]
