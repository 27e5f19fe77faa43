"""What a report may be asked for, checked before anything is written: its ``as_of``.

Every value a user or client sent is echoed in a message through :func:`shown`, cut to 80
characters, so that a megabyte of input never comes back whole.
"""

from __future__ import annotations

import re
from datetime import datetime

from storemon.engine.report import parse_as_of
from storemon.errors import StoremonError

SHOWN_CHARS = 80  # a value echoed back in a message is cut to this many characters

# An ISO 8601 instant: a date and a time (seconds and fraction optional), then an optional offset.
_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?",
    re.ASCII,
)


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` as it is echoed in a message: its repr, cut to ``limit`` characters.

    Args:
        value: Anything a client or user sent.
        limit: The most characters shown.

    Returns:
        The repr, or its first characters followed by ``... (N characters)``.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


def check_as_of(as_of: str | None) -> datetime | None:
    """Read a requested ``as_of``: an ISO 8601 instant with a date and a time, or nothing.

    Words that pandas would also read (``now``, ``today``), dates without a time and anything
    else are refused, so a report's instant never depends on when it was asked for.

    Args:
        as_of: The instant as sent; None or blank for "the latest poll". Without an offset it is
            UTC.

    Returns:
        The instant as a naive UTC datetime, or None.

    Raises:
        StoremonError: ``as_of`` is not such an instant (the message shows at most 80
            characters of it).
    """
    if as_of is None or not as_of.strip():
        return None
    if _INSTANT.fullmatch(as_of.strip()) is None:
        raise StoremonError(
            f"as_of {shown(as_of)} is not a valid instant (use ISO 8601 with a date and a time, "
            "e.g. 2024-11-05T12:00:00Z)"
        )
    return parse_as_of(as_of)
