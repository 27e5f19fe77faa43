"""Errors that reach a user as one plain sentence (CLI, API and notebooks show them)."""


class StoremonError(Exception):
    """A problem a user can fix (a missing file or column, a bad parameter); never a bug."""
