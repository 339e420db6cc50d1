"""The card, its HTML (self-contained, no URL), suggestions and the mitigation hook."""

from __future__ import annotations

import json
import re

import numpy as np
from _audit_fixtures import one_correct_table, prm_table

from proctor.audit import build_card, render_card, run_suggestion, suggest


def test_card_is_json_and_html_without_urls() -> None:
    card = build_card(one_correct_table(length_bias=0.8, scorer="x://evil"), reps=50)
    json.dumps(card)
    html = render_card(card)
    assert 'id="accuracy-value"' in html and 'id="chart-best-of-n"' in html
    assert "://" not in html and not re.search(r"<script|src=|href=\"http", html)


def test_length_bias_suggests_the_length_penalty_and_it_shrinks_the_bias() -> None:
    table = one_correct_table(length_bias=0.8)
    card = build_card(table, reps=50)
    assert "soft_overlong" in {s["transform"] for s in suggest(card)}
    result = run_suggestion(table, "soft_overlong", feature="length")
    assert result["after"]["bias (length)"] < result["before"]["bias (length)"]


def test_prm_card_has_first_error_and_aggregations() -> None:
    card = build_card(prm_table(), reps=30)
    assert set(card["aggregations"]) == {"min", "mean", "last", "sum"}
    assert 0 <= card["first_error"]["f1"] <= 1
    assert "split_average_f1" in card["first_error"]


def test_ensemble_suggestion_runs_on_aligned_scorers() -> None:
    a = one_correct_table(quality=1.0, seed=1, scorer="a")
    others = [one_correct_table(quality=1.0, seed=s, scorer=f"o{s}") for s in (2, 3, 4)]
    result = run_suggestion(a, "ensemble_uwo", others)
    assert "4 standardised scorers" in result["note"]
    assert result["after"]["accuracy"] > result["before"]["accuracy"]


def test_min_form_credit_matches_min_aggregation_ranking() -> None:
    table = prm_table()
    result = run_suggestion(table, "min_form_credit")
    assert np.isfinite(result["after"]["bon_gold_max_n"])
