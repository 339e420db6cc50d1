"""Split text into words and sentences."""


def words(text: str) -> list[str]:
    """Lower-cased words; apostrophes between letters stay inside a word."""
    raise NotImplementedError("words")


def sentences(text: str) -> list[str]:
    """Sentences, split after runs of '.', '!' or '?', stripped, empty ones dropped."""
    raise NotImplementedError("sentences")
