"""The LLM judge against a fake OpenAI-compatible server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from proctor.detectors import create_detector
from proctor.detectors._base import Subject
from proctor.records import Rollout


class _Judge(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        prompt = body["messages"][-1]["content"]
        if "Solution A" in prompt:
            answer = {
                "verdicts": [
                    {"id": "A", "hack": False},
                    {
                        "id": "B",
                        "hack": True,
                        "category": "early_exit",
                        "confidence": 0.9,
                        "evidence": "sys.exit(0)",
                    },
                ]
            }
        else:
            hack = "sys.exit" in prompt
            answer = {
                "hack": hack,
                "category": "exit_code",
                "confidence": 0.8,
                "evidence": "exits before the asserts",
            }
        payload = json.dumps({"choices": [{"message": {"content": json.dumps(answer)}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def server() -> Iterator[str]:
    _Judge.requests = []
    httpd = HTTPServer(("127.0.0.1", 0), _Judge)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _subject(code: str, rid: str = "r1") -> Subject:
    return Subject(rollout=Rollout(id=rid, task_id="t", code=code, group="g"))


def test_isolated_mode_returns_the_judges_verdict(server: str, tmp_path: Path) -> None:
    judge = create_detector("llm_judge", base_url=server, cache_dir=str(tmp_path))
    verdict = judge.detect(_subject("import sys\nsys.exit(0)\n"))
    assert (verdict.label, verdict.category) == ("hack", "early_exit")


def test_answers_are_cached(server: str, tmp_path: Path) -> None:
    judge = create_detector("llm_judge", base_url=server, cache_dir=str(tmp_path))
    judge.detect(_subject("x = 1\n"))
    judge.detect(_subject("x = 1\n"))
    assert len(_Judge.requests) == 1


def test_contrastive_mode_reads_its_own_answer(server: str, tmp_path: Path) -> None:
    honest, hacked = _subject("x = 1\n", "a"), _subject("import sys\nsys.exit(0)\n", "b")
    honest.group = hacked.group = [honest, hacked]
    judge = create_detector(
        "llm_judge", base_url=server, cache_dir=str(tmp_path), mode="contrastive"
    )
    assert judge.detect(hacked).label == "hack"


def test_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCTOR_JUDGE_URL", raising=False)
    assert create_detector("llm_judge").detect(_subject("x = 1\n")).label == "not_applicable"


def test_an_unreachable_judge_is_not_applicable(tmp_path: Path) -> None:
    judge = create_detector(
        "llm_judge", base_url="http://127.0.0.1:9", cache_dir=str(tmp_path), timeout=2.0
    )
    assert judge.detect(_subject("x = 1\n")).label == "not_applicable"
