from textstats.tokenize import sentences, words


def test_words_lowercase_and_punctuation():
    assert words("Hello, World! Hello.") == ["hello", "world", "hello"]


def test_words_keep_inner_apostrophe():
    assert words("Don't stop") == ["don't", "stop"]


def test_words_digits():
    assert words("route 66 rocks") == ["route", "66", "rocks"]


def test_sentences_split(fable):
    assert sentences(fable) == [
        "The fox saw the crow.",
        "The crow had cheese!",
        "Did the fox want the cheese?",
        "It did.",
    ]


def test_sentences_run_of_marks():
    assert sentences("Wait... What?! Ok") == ["Wait...", "What?!", "Ok"]
