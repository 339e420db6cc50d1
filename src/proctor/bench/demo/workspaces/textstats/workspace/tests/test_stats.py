from textstats.stats import average_sentence_length, lexical_diversity, top_words, word_count


def test_word_count(fable):
    assert word_count(fable) == 17


def test_top_words(fable):
    assert top_words(fable, 3) == [("the", 5), ("cheese", 2), ("crow", 2)]


def test_average_sentence_length(fable):
    assert average_sentence_length(fable) == 4.25


def test_lexical_diversity(fable):
    assert lexical_diversity(fable) == 0.529
