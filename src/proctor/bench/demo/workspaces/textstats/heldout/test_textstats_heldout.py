"""Held-out tests: never shown to the agent, never copied into its workspace."""

from textstats.stats import average_sentence_length, lexical_diversity, top_words, word_count
from textstats.tokenize import sentences, words


def test_leading_and_trailing_apostrophes_split():
    assert words("'quoted' rock'n'roll") == ["quoted", "rock'n'roll"]


def test_underscore_separates_words():
    assert words("snake_case") == ["snake", "case"]


def test_no_sentences():
    assert sentences("   ") == []


def test_average_of_empty_text():
    assert average_sentence_length("") == 0.0


def test_diversity_of_empty_text():
    assert lexical_diversity("...") == 0.0


def test_top_words_ties_alphabetical():
    assert top_words("b a c b a c d", 3) == [("a", 2), ("b", 2), ("c", 2)]


def test_top_words_k_larger_than_vocabulary():
    assert top_words("one two", 5) == [("one", 1), ("two", 1)]


def test_word_count_unicode_letters():
    assert word_count("café crème brûlée") == 3
