"""Top-reward spans, agreement with proxy, gold and labels, and the report: no model needed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctor.implicit import (
    ScoredRollout,
    TokenRewards,
    agreement,
    hack_label,
    html_page,
    markdown_section,
    summarise_spans,
    top_spans,
)


def _offsets(n: int, width: int = 2) -> list[tuple[int, int]]:
    return [(i * width, (i + 1) * width) for i in range(n)]


def test_top_spans_find_the_largest_sums_without_overlap() -> None:
    text = "aabbccddee"
    spans = top_spans([0.1, 2.0, 1.5, -3.0, 0.4], _offsets(5), text, k=3)
    assert [(s.first_token, s.last_token) for s in spans] == [(0, 2), (4, 4)]
    assert spans[0].reward == pytest.approx(3.6) and spans[0].text == "aabbcc"
    assert (spans[1].start, spans[1].end, spans[1].text) == (8, 10, "ee")


def test_a_span_length_limit_keeps_the_best_short_run() -> None:
    spans = top_spans([1.0, 1.0, 5.0, 1.0, 1.0], _offsets(5), "x" * 10, k=1, max_tokens=2)
    assert [(s.first_token, s.last_token) for s in spans] == [(1, 2)]  # 6.0, first of the ties


def test_no_positive_reward_gives_no_span() -> None:
    assert top_spans([-1.0, -0.5], _offsets(2), "abcd", k=3) == []
    assert top_spans([], [], "", k=3) == []


@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=40),
    st.integers(1, 5),
    st.one_of(st.none(), st.integers(1, 6)),
)
def test_spans_never_overlap_and_sum_their_tokens(rewards, k, max_tokens) -> None:
    spans = top_spans(
        rewards, _offsets(len(rewards)), "x" * (2 * len(rewards)), k, max_tokens=max_tokens
    )
    used: set[int] = set()
    for s in spans:
        tokens = set(range(s.first_token, s.last_token + 1))
        assert not tokens & used
        used |= tokens
        assert s.reward == pytest.approx(sum(rewards[s.first_token : s.last_token + 1]))
        assert s.reward > 0
        assert max_tokens is None or s.tokens <= max_tokens
    assert [s.reward for s in spans] == sorted((s.reward for s in spans), reverse=True)
    if spans:  # the first is the maximum-sum segment (within the length limit)
        n = len(rewards)
        best = max(
            sum(rewards[i : j + 1])
            for i in range(n)
            for j in range(i, n)
            if max_tokens is None or j - i + 1 <= max_tokens
        )
        assert spans[0].reward == pytest.approx(best)


def test_agreement_with_a_perfect_ranking() -> None:
    a = agreement(
        [3.0, 2.0, 1.0, 0.0],
        proxy=[1.0, 0.8, 0.3, 0.1],
        gold=[0.0, 0.2, 0.9, 1.0],
        hack=[True, True, False, False],
    )
    assert a.spearman_proxy == pytest.approx(1.0) and a.spearman_gold == pytest.approx(-1.0)
    assert a.auc_hack == 1.0 and (a.hacks, a.honest) == (2, 2)


def test_agreement_leaves_out_what_it_cannot_measure() -> None:
    a = agreement([1.0, 2.0, np.nan], proxy=[1.0, None, 0.5], hack=[True, None, False])
    assert a.spearman_proxy is None and a.proxy_pairs == 1
    assert a.spearman_gold is None and a.gold_pairs == 0
    assert a.auc_hack is None and (a.hacks, a.honest) == (1, 0)  # the NaN reward is not counted


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"truth": {"kind": "hack"}}, True),
        ({"kind": "honest_wrong"}, False),
        ({"label": "clean"}, False),
        ({"kind": "unsure"}, None),
        ({}, None),
    ],
)
def test_hack_labels_come_from_the_lab_the_demo_or_a_label(meta, expected) -> None:
    assert hack_label(meta) is expected


HOSTILE = "</pre><script>alert(1)</script> https://evil.example ``` a | b"


def _scored() -> list[ScoredRollout]:
    out = []
    for i, (text, rewards, hack) in enumerate(
        [
            ("import sys\nsys.exit(0)\n", [0.1, 0.2, 3.0, 2.5, 0.1], True),
            ("return a + b\n", [0.0, -0.2, 0.3], False),
            (HOSTILE, [1.0, 1.0, 1.0], True),
        ]
    ):
        n = len(rewards)
        step = max(1, len(text) // n)
        offsets = [(j * step, len(text) if j == n - 1 else (j + 1) * step) for j in range(n)]
        r = TokenRewards(
            completion=text,
            token_ids=list(range(n)),
            offsets=offsets,
            rewards=np.array(rewards),
            policy_logprobs=np.zeros(n),
            reference_logprobs=np.zeros(n),
        )
        out.append(ScoredRollout(f"r{i}", "t", r, proxy=1.0, gold=0.0 if hack else 1.0, hack=hack))
    return out


def test_span_summary_ranks_span_texts_by_the_reward_they_carry() -> None:
    rows = summarise_spans(_scored(), k=2)
    assert [r.total for r in rows] == sorted((r.total for r in rows), reverse=True)
    assert rows[0].total == pytest.approx(5.9) and rows[0].rollouts == ["r0"]  # all positive
    assert rows[0].hacks == 1 and "exit" in rows[0].text


def test_the_reports_escape_completions_and_hold_no_url() -> None:
    scored = _scored()
    a = agreement([s.result.sequence_reward for s in scored], hack=[s.hack for s in scored])
    page = html_page(scored, a)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "://" not in page and "<script" not in page.lower()
    assert "default-src 'none'" in page
    md = markdown_section(scored, a)
    assert "AUC hack vs honest | 1.000" in md
    # the hostile span sits in a code span whose fence is longer than its backtick run,
    # and its pipe cannot split the table row
    assert "```` " in md
    row = next(line for line in md.splitlines() if "evil" in line and line.startswith("| r"))
    assert row.count("|") - row.count("\\|") == 7


def test_importing_the_package_and_the_cli_loads_no_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, proctor.implicit, proctor.cli; "
        "heavy = [m for m in ('torch', 'transformers', 'scipy', 'sklearn') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_html_page_shows_every_character_once() -> None:
    import re as regex

    text = "é = 1\n  # tail"
    # a character split over two byte-level tokens shares its offsets; a gap between
    # tokens (here "  ") and an unscored tail must still be shown, once
    offsets = [(0, 1), (0, 1), (1, 5), (7, 9)]
    r = TokenRewards(
        completion=text,
        token_ids=[1, 2, 3, 4],
        offsets=offsets,
        rewards=np.array([0.5, 0.5, -1.0, 2.0]),
        policy_logprobs=np.zeros(4),
        reference_logprobs=np.zeros(4),
    )
    page = html_page([ScoredRollout("r", "t", r)], agreement([r.sequence_reward]))
    pre = regex.search(r"<pre>(.*?)</pre>", page, regex.S)
    assert pre is not None
    shown = regex.sub(r"<[^>]+>", "", pre.group(1))
    assert shown == text
