"""`MathReward`: 1 when the completion's final answer equals the reference, by math-verify."""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from proctor.rewards._result import RewardResult
from proctor.sandbox import kill_session

MAX_ANSWER_CHARS = 20_000
"""Only the tail of a longer completion is parsed: the final answer is at the end, and
parsing cost grows with the text."""


class _Worker:
    """One ``proctor.rewards._math_worker`` process, restarted after a timeout or crash."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """The worker's reply, or None if it ran past ``timeout`` (it is then killed)."""
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
        except OSError as exc:
            self.close()
            raise RuntimeError(f"the math worker died: {exc}") from exc
        deadline = time.monotonic() + timeout
        buffer = b""
        fd = proc.stdout.fileno()
        while not buffer.endswith(b"\n"):
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                self.close()
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.close()
                raise RuntimeError("the math worker exited")
            buffer += chunk
        reply: dict[str, Any] = json.loads(buffer)
        return reply

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "proctor.rewards._math_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            kill_session(proc)


class MathReward:
    """Reward 1.0 when the completion's final answer is mathematically equal to the reference.

    What counts as the answer: math-verify's default extraction on the completion
    (its last ``\\boxed{...}``, else a stated final answer, else the last LaTeX or
    plain expression), compared with the reference by math-verify's symbolic and
    numeric equivalence (``1/2``, ``0.5`` and ``\\frac{1}{2}`` are equal; sets,
    intervals and equations are compared as such). No answer found, or a check that
    runs past ``timeout`` seconds, scores 0.0 with the reason in ``error``; a missing
    reference gives ``None`` (``not_applicable``); a worker that could not run gives
    ``None`` (``infra_error``).

    Example::

        with MathReward() as reward:
            reward.score("so the answer is $\\boxed{\\frac{1}{2}}$", "0.5").reward  # 1.0
    """

    def __init__(self, timeout: float = 5.0, workers: int = 1) -> None:
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all = [_Worker() for _ in range(max(1, workers))]
        for worker in self._all:
            self._idle.put(worker)

    @contextmanager
    def _borrow(self) -> Iterator[_Worker]:
        worker = self._idle.get()
        try:
            yield worker
        finally:
            self._idle.put(worker)

    def score(
        self, completion: str | None, answer: str | None, rollout_id: str | None = None
    ) -> RewardResult:
        """Score one completion against the reference ``answer``."""
        rid = rollout_id or uuid.uuid4().hex
        if answer is None or not str(answer).strip():
            return RewardResult(
                rollout_id=rid, status="not_applicable", error="no reference answer"
            )
        text = (completion or "")[-MAX_ANSWER_CHARS:]
        request = {"answer": text, "gold": str(answer), "timeout": max(1, int(self.timeout))}
        try:
            with self._borrow() as worker:
                # the worker's own limit applies per parse/verify; this one bounds the total
                reply = worker.ask(request, 3 * self.timeout + 5)
        except (RuntimeError, OSError, ValueError) as exc:
            return RewardResult(rollout_id=rid, status="infra_error", error=str(exc))
        if reply is None:
            return RewardResult(
                rollout_id=rid,
                reward=0.0,
                raw_reward=0.0,
                error=f"verification ran past {3 * self.timeout + 5:.0f}s",
            )
        value = 1.0 if reply.get("ok") is True else 0.0
        return RewardResult(
            rollout_id=rid, reward=value, raw_reward=value, proxy=value, error=reply.get("error")
        )

    def score_batch(
        self, completions: Sequence[str | None], answers: Sequence[str | None]
    ) -> list[RewardResult]:
        """Score a batch on all workers, in input order."""
        if len(completions) != len(answers):
            raise ValueError(f"{len(answers)} answers for {len(completions)} completions")
        with ThreadPoolExecutor(max_workers=len(self._all)) as pool:
            return list(pool.map(self.score, completions, answers))

    def close(self) -> None:
        """Stop the workers. Safe to call twice."""
        for worker in self._all:
            worker.close()

    def __enter__(self) -> MathReward:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["MAX_ANSWER_CHARS", "MathReward"]
