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


def data_folder(text: str) -> Path:
    """The absolute path of a folder of CSV exports typed by the user (``--data``, ``--watch``).

    Args:
        text: The path as typed.

    Returns:
        The absolute path (a folder, or nothing yet).

    Raises:
        StoremonError: It names a file, say one of the exports: the message names its folder.
    """
    from storemon.engine.sources import check_data_folder

    path = user_path(text)
    if path.is_file():
        check_data_folder(path)
    return path
