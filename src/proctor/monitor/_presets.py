"""Named monitor configs that ship with proctor: ``MonitorConfig`` JSON files in ``presets/``.

The defaults (``MonitorConfig()``) were chosen on the lab's simulated policy, whose
hack rate runs from a few percent to most of the batch in two or three steps. A real
language model's hacking can plateau far lower (10-30% of samples in the lab's
SmolLM2 runs), so a preset holds thresholds chosen on real-model runs instead; each
file says what it was chosen on in ``docs/monitor.md``. Use one with
``monitor_preset("real-model")`` or ``proctor monitor report RUN --config real-model``.
"""

from __future__ import annotations

from importlib import resources

from proctor.monitor._config import MonitorConfig


def preset_names() -> list[str]:
    """The presets that ship with proctor (file names without ``.json``)."""
    folder = resources.files("proctor.monitor") / "presets"
    files = (p.name for p in folder.iterdir())
    return sorted(n.removesuffix(".json") for n in files if n.endswith(".json"))


def monitor_preset(name: str) -> MonitorConfig:
    """The shipped config called ``name`` (see `preset_names`).

    Raises:
        KeyError: no preset has that name (the message lists the ones there are).
    """
    names = preset_names()
    if name not in names:
        raise KeyError(f"no monitor preset {name!r}; the presets are: {', '.join(names)}")
    text = (resources.files("proctor.monitor") / "presets" / f"{name}.json").read_text()
    return MonitorConfig.model_validate_json(text)


__all__ = ["monitor_preset", "preset_names"]
