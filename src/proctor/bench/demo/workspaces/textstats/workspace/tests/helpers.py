"""Texts the tests share."""

FABLE = (
    "The fox saw the crow. The crow had cheese! "
    "Did the fox want the cheese? It did."
)
