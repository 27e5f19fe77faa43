"""Paths typed on the command line."""

from __future__ import annotations

from pathlib import Path


def user_path(text: str) -> Path:
    """The absolute path of a path typed by the user: relative to the working directory.

    Args:
        text: The path as typed (``~`` is expanded).

    Returns:
        The absolute path, symbolic links kept as typed.
    """
    return Path(text).expanduser().absolute()
