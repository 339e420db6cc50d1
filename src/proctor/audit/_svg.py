"""Matplotlib figures as inline SVG with no external references.

Inline ``<svg>`` in HTML needs no namespace declarations, so the XML prologue, the
DOCTYPE, the metadata block and every ``xmlns`` attribute (all of which name
``http://`` URLs) are stripped: the report card must open with no network and
contain no URL at all.
"""

from __future__ import annotations

import io
import re

_STRIP = [
    re.compile(p, re.S)
    for p in (
        r"<\?xml.*?\?>",
        r"<!DOCTYPE.*?>",
        r"<metadata>.*?</metadata>",
        r'\s+xmlns(:\w+)?="[^"]*"',
    )
]


def svg_of(fig: object) -> str:
    """The figure as an inline ``<svg>`` element with every URL stripped."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    text = buf.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    return text.strip()


__all__ = ["svg_of"]
