"""``proctor audit scores`` and ``proctor audit live`` through the CLI on synthetic inputs."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from typer.testing import CliRunner

from proctor.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))
from _audit_fixtures import write_processbench, write_rewardmath


def test_audit_scores_writes_cards_for_every_rewardmath_file(tmp_path: Path) -> None:
    root = write_rewardmath(tmp_path / "rm")
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "scores",
            "rewardmath",
            str(root),
            "--out",
            str(tmp_path / "out"),
            "--reps",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert {r["scorer"] for r in summary["scorers"]} == {"pointy", "steppy", "judge_pairwise"}
    assert (tmp_path / "out" / "index.html").is_file()
    assert (tmp_path / "out" / "steppy.html").is_file()


def test_audit_scores_processbench_includes_calibration(tmp_path: Path) -> None:
    path = write_processbench(tmp_path / "pb.jsonl", rows=80)
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "scores",
            "processbench",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--reps",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "out" / "toy-prm.json").read_text())
    assert card["first_error"]["f1"] == 1.0  # the toy PRM dips exactly at the first error
    assert "isotonic" in card["calibration"]["first_error"]


def test_audit_scores_rejects_an_unknown_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", "scores", "nope", str(tmp_path)])
    assert result.exit_code == 2 and "unknown source" in result.output


def test_audit_mitigate_runs_a_named_transform(tmp_path: Path) -> None:
    root = write_rewardmath(tmp_path / "rm")
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "mitigate",
            "rewardmath",
            str(root),
            "--scorer",
            "steppy",
            "--transform",
            "min_form_credit",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "min_form_credit" in result.output and "bon_gold_max_n" in result.output


class _Grader(BaseHTTPRequestHandler):
    """An OpenAI-compatible judge that grades 3 unless the answer is hedged."""

    def do_POST(self) -> None:
        text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["messages"][0]
        grade = "1" if text["content"].count("boxed") > 1 else "3"
        reply = json.dumps({"choices": [{"message": {"content": grade}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


def test_audit_live_against_a_loopback_judge(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Grader)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        result = CliRunner().invoke(
            app,
            [
                "audit",
                "live",
                "openai-judge",
                "toy",
                "--base-url",
                url,
                "--items",
                "4",
                "--out",
                str(tmp_path / "live.json"),
            ],
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    rows = {
        r["perturbation"]: r
        for r in json.loads((tmp_path / "live.json").read_text())["perturbations"]
    }
    assert rows["hedged answer boxes"]["mean_shift"] == -2.0
    assert rows["wrong final answer"]["verdict"].startswith("missed")
