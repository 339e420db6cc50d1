"""The driver behind ``proctor bench mitigations``: run the chosen settings, write the results."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from proctor.bench.mitigations._code import REWARDS, collect_candidates
from proctor.bench.mitigations._codebench import run_code
from proctor.bench.mitigations._grpo import GRPOConfig
from proctor.bench.mitigations._pool import PoolConfig, run_pool
from proctor.bench.mitigations._report import write_results
from proctor.bench.mitigations._rewardmath import default_dir, run_rewardmath

SETTINGS = ("rewardmath", "pool", "code")


@dataclass
class BenchConfig:
    """Everything a run depends on (written into the results)."""

    settings: tuple[str, ...] = SETTINGS
    seeds: int = 3
    rewardmath_dir: Path = field(default_factory=default_dir)
    pool: PoolConfig = field(default_factory=PoolConfig)
    grpo: GRPOConfig = field(default_factory=GRPOConfig)
    code_grpo: GRPOConfig = field(default_factory=lambda: GRPOConfig(steps=100))
    pool_ns: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16, 32])
    code_ns: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16])
    rewardmath_ns: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 6, 8, 10])
    betas: list[float] = field(default_factory=lambda: [10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.0])
    max_tasks: int | None = None
    workers: int = 2
    cache: Path | None = None


Step = Callable[[str, int, int], None]
"""``step(description, done, total)`` reports progress."""


def run_bench(
    config: BenchConfig,
    out: Path,
    img: Path | None,
    command: str,
    step: Step | None = None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, Any], Path, Path]:
    """Run ``config.settings`` and write ``mitigations.md``/``.json`` into ``out``."""
    started = time.perf_counter()
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    report = step or (lambda *_: None)
    if "rewardmath" in config.settings:
        if (config.rewardmath_dir / "scores").is_dir():
            report("rewardmath", 0, 1)
            results["rewardmath"] = run_rewardmath(config.rewardmath_dir, config.rewardmath_ns)
            report("rewardmath", 1, 1)
        else:
            skipped["rewardmath"] = (
                f"no RewardMATH scores at {config.rewardmath_dir / 'scores'} "
                "(it lives in the project's shared data, not in the "
                "package; pass --rewardmath DIR)"
            )
            log(f"skipping rewardmath: {skipped['rewardmath']}")
    if "pool" in config.settings:
        total, done = config.seeds * 6, [0]

        def tick() -> None:
            done[0] += 1
            report("pool", done[0], total)

        results["pool"] = run_pool(
            config.pool, config.seeds, config.grpo, config.pool_ns, config.betas, tick
        )
    if "code" in config.settings:
        candidates = collect_candidates(config.max_tasks, config.workers, config.cache, report)
        total, done = len(REWARDS), [0]

        def tick_code() -> None:
            done[0] += 1
            report("code: GRPO", done[0], total)

        results["code"] = run_code(
            candidates, config.code_ns, config.code_grpo, config.seeds, tick_code
        )
    meta: dict[str, Any] = {
        "settings": ", ".join(config.settings),
        "seeds": config.seeds,
        "pool": asdict(config.pool),
        "grpo (pool)": asdict(config.grpo),
        "grpo (code)": asdict(config.code_grpo),
        "max_tasks": config.max_tasks,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "seconds": round(time.perf_counter() - started, 1),
        "command": command,
    }
    if skipped:
        meta["skipped"] = skipped
    json_path, md_path, _ = write_results(results, meta, out, img)
    return results, json_path, md_path


__all__ = ["SETTINGS", "BenchConfig", "Step", "run_bench"]
