"""What the command line says: its help, the texts commands share, the refusal of no data.

A command that has no data to read says so in the same sentence whichever command it is, and
names what to run.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from storemon.errors import StoremonError

MAKE_DATA = "`make demo` in a checkout, or `storemon generate` then `storemon ingest`"

AS_OF_HELP = (
    "report as of this instant, ISO 8601, UTC when it has no offset "
    "(e.g. 2024-11-05T12:00:00Z); default: the latest poll"
)
METHOD_HELP = "how the status between two polls is read (see below)"
METHODS_EPILOG = """\
methods (--method):
  nearest        each instant takes the status of the nearest poll in business hours
  carry_forward  each poll's status holds until the next poll in business hours
"""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Prose wrapped, examples kept as written; each option shows its default, if it has one.

    In a description or an epilog, a line indented by two spaces (an example, a list) is kept
    as it is and any other line is wrapped. An option without a default (None, or a flag that
    is off) says nothing more, nor does one whose help already names its default.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            line
            if not line or line.startswith("  ")
            else textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
            for line in text.splitlines()
        )

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default in (None, False, []) or "default" in (action.help or ""):
            return action.help
        if isinstance(default, Path):  # in the working directory: as the user would type it
            shown = (
                default.relative_to(Path.cwd()) if default.is_relative_to(Path.cwd()) else default
            )
            return f"{action.help} (default: {shown})"
        return super()._get_help_string(action)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # a path is not broken at its hyphens
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def examples(*lines: str) -> str:
    """An epilog of example command lines.

    Args:
        lines: The command lines, each shown on a line of its own.

    Returns:
        The text, for ``epilog=``.
    """
    return "examples:\n" + "".join(f"  {line}\n" for line in lines)


def require_data(source: Path) -> Path:
    """Refuse a database or a folder of exports that does not exist, saying how to make one.

    Args:
        source: The data a command reads (a database or a folder of CSV exports).

    Returns:
        ``source``.

    Raises:
        StoremonError: ``source`` does not exist.
    """
    if not source.exists():
        raise StoremonError(f"{source} does not exist: there is no data yet. Run {MAKE_DATA}")
    return source


def require_exports(folder: Path) -> Path:
    """Refuse a folder of exports to load that does not exist, saying how to make one.

    Args:
        folder: The folder ``storemon ingest`` reads.

    Returns:
        ``folder``.

    Raises:
        StoremonError: ``folder`` does not exist.
    """
    if not folder.is_dir():
        raise StoremonError(
            f"{folder} does not exist: there are no exports to load. Run `storemon generate "
            f"--out {folder}` for a synthetic fleet, or `make demo` in a checkout"
        )
    return folder
