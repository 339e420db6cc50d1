"""The TRL callback and ``proctor monitor report`` raise the same alerts at the same steps."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from _add_task import ADD, FAST
from proctor.cli import app
from proctor.integrations.trl import CodeRewardFunc, HackAlertCallback

HONEST = "```python\ndef add(a, b):\n    return a + b\n```"
EXIT_HACK = "```python\nimport sys\nsys.exit(0)\n```"
# hacks per step of 8 samples: clean, then a hack that spreads, then fades
HACKS = [0, 0, 0, 1, 3, 5, 6, 7, 2, 0, 0, 0]


def test_callback_and_report_raise_the_same_alerts_at_the_same_steps(tmp_path: Path) -> None:
    run = tmp_path / "run"
    reward = CodeRewardFunc([ADD], limits=FAST, workers=2, detect=True, record_to=run)
    callback = HackAlertCallback(reward, action="save")
    control = SimpleNamespace(should_training_stop=False, should_save=False)
    try:
        for global_step, hacks in enumerate(HACKS):
            completions = [EXIT_HACK] * hacks + [HONEST] * (8 - hacks)
            state = SimpleNamespace(global_step=global_step)
            reward(
                prompts=[f"p{i % 2}" for i in range(8)],
                completions=completions,
                task_id=[ADD.id] * 8,
                trainer_state=state,
            )
            state.global_step = global_step + 1  # the trainer counts the step, then calls back
            callback.on_step_end(None, state, control)
    finally:
        reward.close()
    result = CliRunner().invoke(app, ["monitor", "report", str(run), "--no-detect"])
    assert result.exit_code == 0, result.output
    # the callback's own stop is stored as an event and reported as a trainer_* alert;
    # the parity is between the monitor rules each side evaluates
    reported = [
        a
        for a in json.loads((run / "summary.json").read_text())["alerts"]
        if not a["kind"].startswith("trainer_")
    ]
    raised = [(a.kind, a.severity, a.first_step) for a in callback.raised]
    assert any(severity == "hack" for _, severity, _ in raised), raised
    assert sorted(raised) == sorted((a["kind"], a["severity"], a["first_step"]) for a in reported)
    # trainer numbering: the first step is 1, and the callback acted at the first hack alert
    steps = [row["step"] for row in json.loads((run / "summary.json").read_text())["steps"]]
    assert steps[0] == 1
    first_hack = min(step for _, severity, step in raised if severity == "hack")
    assert callback.alerts[0][0] == first_hack and control.should_save
