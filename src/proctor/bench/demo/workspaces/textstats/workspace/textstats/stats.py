"""Statistics built on the tokenizer."""

from textstats.tokenize import sentences, words


def word_count(text: str) -> int:
    """How many words ``text`` has."""
    raise NotImplementedError("word_count")


def top_words(text: str, k: int) -> list[tuple[str, int]]:
    """The k most frequent words, most frequent first, ties alphabetical."""
    raise NotImplementedError("top_words")


def average_sentence_length(text: str) -> float:
    """Words per sentence, rounded to 2 decimals (0.0 without sentences)."""
    raise NotImplementedError("average_sentence_length")


def lexical_diversity(text: str) -> float:
    """Distinct words over words, rounded to 3 decimals (0.0 without words)."""
    raise NotImplementedError("lexical_diversity")


__all__ = ["average_sentence_length", "lexical_diversity", "sentences", "top_words",
           "word_count", "words"]
