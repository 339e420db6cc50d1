"""`proctor bench mitigations` on a tiny configuration writes its tables and plots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proctor.cli import app

REWARDMATH = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "rewardmath"


def test_pool_setting_writes_md_json_and_plots(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "mitigations",
            "--settings",
            "pool,rewardmath",
            "--seeds",
            "1",
            "--prompts",
            "6",
            "--steps",
            "5",
            "--out",
            str(tmp_path / "r"),
            "--img",
            str(tmp_path / "img"),
            "--rewardmath",
            str(tmp_path / "absent"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r" / "mitigations.json").read_text())
    assert set(data["results"]) == {"pool"}
    assert "rewardmath" in data["meta"]["skipped"]
    md = (tmp_path / "r" / "mitigations.md").read_text()
    assert "Reproduce: `proctor bench mitigations" in md and "| PAR |" in md
    assert "Skipped: no RewardMATH scores" in md
    assert (tmp_path / "img" / "pool.png").stat().st_size > 0


def test_unknown_setting_is_an_error_that_names_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["bench", "mitigations", "--settings", "pol", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "rewardmath, pool, code" in result.output


@pytest.mark.shared_data
def test_rewardmath_setting_on_the_shared_data(tmp_path: Path) -> None:
    if not (REWARDMATH / "scores").is_dir():
        pytest.skip(f"RewardMATH not found at {REWARDMATH}")
    from proctor.bench.mitigations import run_rewardmath

    res = run_rewardmath(REWARDMATH, [1, 10])
    assert res["problems"] == 483
    assert all(v[0] == pytest.approx(0.1) for v in res["single"].values())  # n=1 is chance
