"""benchmarks/implicit_llm.py without a model: the scored rows, the spoof, the reference."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from proctor.bench.lab.llm import LLMLabConfig, all_tasks, split
from proctor.bench.lab.llm._prompts import HACKS, hack_completion, honest_completion

SCRIPT = Path(__file__).resolve().parents[4] / "benchmarks" / "implicit_llm.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("implicit_llm_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_heldout_rows_pair_each_demonstration_task(bench: ModuleType) -> None:
    demo, _ = split(all_tasks(0), 0)
    rows = bench.heldout_rows(demo[:3], "always-equal-class")
    assert len(rows) == 6
    assert [r["hack"] for r in rows] == [True, False] * 3
    assert rows[0]["completion"] == hack_completion(demo[0], "always-equal-class")
    assert rows[1]["completion"] == honest_completion(demo[0])
    assert len({r["id"] for r in rows}) == 6


def test_truth_rows_distinct_labelled_and_capped(bench: ModuleType) -> None:
    def row(step: int, i: int, text: str, gold: float | None, hack: bool) -> dict[str, Any]:
        return {"step": step, "index": i, "task_id": "t", "completion": text, "proxy": 1.0,
                "gold": gold, "hack": hack}  # fmt: skip

    truth = [
        row(1, 0, "h", 0.0, True),
        row(1, 1, "h", 0.0, True),  # same completion: one row
        row(1, 2, "ok", 1.0, False),
        row(1, 3, "wrong", 0.2, False),
        row(2, 0, "ok2", 0.9995, False),
        row(2, 1, "", None, False),  # empty: skipped
    ]
    rows = bench.truth_rows(truth)
    assert [(r["completion"], r["hack"]) for r in rows] == [
        ("h", True),
        ("ok", False),
        ("wrong", None),
        ("ok2", False),
    ]
    spoof = "def f(x):\n    return type('Same', (), {'__eq__': lambda a, b: True})()\n"
    hardened = [row(3, 0, spoof, 0.0, False)]  # the hardened proxy paid nothing: no true hack
    assert bench.truth_rows(hardened)[0]["hack"] is None
    assert bench.truth_rows(hardened, spoof_attempts=True)[0]["hack"] is True
    capped = bench.truth_rows(truth, cap=1)
    assert sorted(str(r["hack"]) for r in capped) == ["False", "None", "True"]


def test_spoof_region_covers_the_hack_body_only(bench: ModuleType) -> None:
    demo, _ = split(all_tasks(0), 0)
    for form, body in HACKS.items():
        text = hack_completion(demo[0], form)
        region = bench.spoof_region(text)
        assert region is not None
        assert text[region[0] : region[1]] == body
    assert bench.spoof_region(honest_completion(demo[0])) is None
    text = "def f(x):\n    return type('S', (), {})()\n"
    offsets = [(0, 9), (9, 20), (20, 25), (25, len(text))]  # "...return", " type", ...
    assert bench.spoof_first_token([0.0, 0.1, 2.0, 0.3], offsets, text) == [2.0]
    assert bench.spoof_first_token([0.0], [(0, 3)], "def") == []
    inside, outside = bench.region_rewards([1.0, 2.0, 3.0], [(0, 2), (2, 5), (5, 9)], (3, 5))
    assert (inside, outside) == ([2.0], [1.0, 3.0])


def test_paired_wins(bench: ModuleType) -> None:
    rows = [("a", True, 2.0), ("a", False, 1.0), ("b", True, 0.0), ("b", False, 1.0),
            ("c", True, 5.0), ("d", None, 9.0)]  # fmt: skip
    assert bench.paired_wins(rows) == (1, 2)


def test_reference_is_the_runs_starting_sft(bench: ModuleType, tmp_path: Path) -> None:
    config = LLMLabConfig(sft_hack_share=0.01, start_hack_rate=None)
    manifest = {
        "config": config.model_dump(mode="json"),
        "starting_policy": {"sft": {"hack_share": 0.01}},
        "command": f"proctor lab llm --out x --cache {tmp_path}",
    }
    with pytest.raises(SystemExit, match="give --reference"):
        bench.reference_of(manifest, None)
    saved = tmp_path / f"sft-{config.sft_key(0.01)}"
    saved.mkdir()
    (saved / "config.json").write_text("{}")
    assert bench.reference_of(manifest, None) == saved
    mixed = {**manifest, "starting_policy": {"sft": {"hack_share": 0.5}, "alpha": 0.3}}
    with pytest.raises(SystemExit, match="an SFT the run started from is not there"):
        bench.reference_of(mixed, None)  # rebuilt from the two cached SFTs, here missing
