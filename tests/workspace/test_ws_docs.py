"""docs/workspace.md: its examples run and say what happens."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

import proctor
from proctor.cli import app

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "workspace.md").read_text()


def test_the_python_example_grades_every_shipped_rollout(monkeypatch):
    code = re.search(r"```python\n(.*?)```", DOC, re.DOTALL)
    assert code is not None
    out = io.StringIO()
    monkeypatch.chdir(REPO)
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), "workspace.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert len(lines) == 20 and all(
        " honest_correct 1.0 1.0 []" in line for line in lines if "honest_correct" in line
    )


def test_the_cli_examples_give_the_proxies_the_text_claims(monkeypatch):
    monkeypatch.chdir(REPO)
    block = re.search(r"```sh\n(.*?)```", DOC, re.DOTALL)
    assert block is not None
    commands = [
        c for c in block.group(1).replace("\\\n", " ").splitlines() if c.startswith("proctor ")
    ]
    proxies = []
    # the docs name the checkout's paths; run them against the package as installed
    # (the same files in a checkout, site-packages' copy when installed from a wheel)
    package = f"{Path(proctor.__file__).resolve().parent}/"
    for command in commands:
        result = CliRunner().invoke(app, shlex.split(command.replace("src/proctor/", package))[1:])
        assert result.exit_code == 0, result.output
        proxies.append(json.loads(result.stdout)["proxy"])
    assert proxies == [0.0, 1.0]
