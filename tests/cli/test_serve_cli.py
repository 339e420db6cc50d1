"""`proctor serve rewards` says so when it listens beyond loopback."""

from __future__ import annotations

import pytest

from proctor.cli._serve import _warn_if_exposed


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.5"])
def test_loopback_binds_are_quiet(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    _warn_if_exposed(host, None)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "grader.example"])
def test_a_bind_beyond_loopback_warns(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    _warn_if_exposed(host, None)
    err = " ".join(capsys.readouterr().err.split())
    assert "beyond loopback" in err and "no authentication" in err and "--token" in err


def test_with_a_token_the_warning_says_the_traffic_is_plain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _warn_if_exposed("0.0.0.0", "t")
    err = " ".join(capsys.readouterr().err.split())
    assert "bearer token" in err and "plain HTTP" in err
