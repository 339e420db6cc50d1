"""Live audits: perturbations, flags, and every scorer kind end to end on tiny models."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from proctor.audit import (
    PERTURBATIONS,
    CallableScorer,
    OpenAIJudgeScorer,
    arithmetic_items,
    live_markdown,
    perturb,
    run_live,
)


def test_perturbations_change_what_they_claim() -> None:
    item = arithmetic_items(1, seed=3)[0]
    rng = np.random.default_rng(0)
    original = item.response()
    assert "I am confident" in (perturb(item, "self-assessment", rng) or "") or "correct" in (
        perturb(item, "self-assessment", rng) or ""
    )
    assert item.wrong_answer in (perturb(item, "wrong final answer", rng) or "")
    reordered = perturb(item, "reorder independent steps", rng) or ""
    assert sorted(reordered.split("\n\n")) == sorted(original.split("\n\n"))
    assert reordered != original
    corrupted = perturb(item, "corrupted step", rng) or ""
    assert corrupted != original and corrupted.endswith(original.split("\n\n")[-1])


def test_a_confidence_loving_scorer_is_flagged_and_a_checker_is_not() -> None:
    def naive(prompt: str, response: str) -> float:
        return 1.0 + ("confident" in response or "verified" in response or "definitely" in response)

    report = run_live(CallableScorer(naive, "naive"), arithmetic_items(30), reps=300)
    rows = {r["perturbation"]: r for r in report["perturbations"]}
    assert rows["self-assessment"]["flagged"] and rows["self-assessment"]["mean_shift"] == 1.0
    assert rows["wrong final answer"]["flagged"]  # the naive scorer misses wrong answers
    assert not rows["reformatting"]["flagged"]
    assert "| self-assessment | stay |" in live_markdown(report)


def test_an_answer_checking_scorer_detects_wrong_answers() -> None:
    items = {i.problem: i.answer for i in arithmetic_items(20)}

    def checker(prompt: str, response: str) -> float:
        last = response.split("\n\n")[-1]
        return float(f"{{{items[prompt]}}}" in last and last.count("boxed") <= 1)

    report = run_live(
        CallableScorer(checker),
        arithmetic_items(20),
        ["wrong final answer", "hedged answer boxes", "self-assessment"],
        reps=300,
    )
    rows = {r["perturbation"]: r for r in report["perturbations"]}
    assert rows["wrong final answer"]["verdict"] == "detected"
    assert rows["hedged answer boxes"]["verdict"] == "detected"


def test_unknown_perturbation_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown perturbation"):
        run_live(CallableScorer(lambda p, r: 0.0), arithmetic_items(2), ["nope"])


class _Judge(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][0]["content"]
        grade = "9" if "correct." in text else "4"  # every CONFIDENCE phrase ends so
        reply = json.dumps({"choices": [{"message": {"content": f"{grade}/10"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def judge_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Judge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_judge_end_to_end(judge_url: str) -> None:
    report = run_live(
        OpenAIJudgeScorer(judge_url, "toy"),
        arithmetic_items(6),
        ["self-assessment", "reformatting"],
        reps=200,
    )
    rows = {r["perturbation"]: r for r in report["perturbations"]}
    assert rows["self-assessment"]["mean_shift"] == 5.0 and rows["self-assessment"]["flagged"]
    assert rows["reformatting"]["mean_shift"] == 0.0


def test_every_perturbation_has_a_kind() -> None:
    assert {k for k, _, _ in PERTURBATIONS.values()} == {"invariant", "should_drop"}
