"""The benchmarks' tables written into the docs, so that figures are regenerated, never copied.

A Markdown page holds each table between two markers::

    <!-- bench:scales -->
    (written by the benchmark)
    <!-- /bench:scales -->

:func:`write_block` replaces what lies between them with the measured table, preceded by the
command that measured it and the machine it ran on; the rest of the page is left as it is.
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from pathlib import Path


def machine() -> str:
    """The machine and software a benchmark ran on, in one line."""
    import duckdb
    import psutil

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = f" ({found.group(1).strip()})" if found else ""
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores{model}, {memory:.0f} GiB, {platform.system()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def command_line(argv: list[str] | None = None) -> str:
    """The command that ran this benchmark, as typed from the checkout."""
    args = sys.argv if argv is None else argv
    script = Path(args[0])
    shown = script.relative_to(Path.cwd()) if script.is_relative_to(Path.cwd()) else script
    return shlex.join(["python", str(shown), *args[1:]])


def write_block(page: Path, name: str, table: str, command: str, where: str) -> None:
    """Replace the ``name`` block of ``page`` with ``table``, saying how it was measured.

    Args:
        page: The Markdown page.
        name: The block's name (``<!-- bench:NAME -->`` ... ``<!-- /bench:NAME -->``).
        table: The Markdown table.
        command: The command line that measured it.
        where: The machine it ran on (:func:`machine`).

    Raises:
        SystemExit: The page has no such block.
    """
    text = page.read_text(encoding="utf-8")
    block = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench:{name} -->)", re.DOTALL)
    if not block.search(text):
        raise SystemExit(f"{page} has no block <!-- bench:{name} --> ... <!-- /bench:{name} -->")
    body = f"Measured by `{command}` on {where}:\n\n{table}\n"
    page.write_text(block.sub(lambda m: m.group(1) + body + m.group(2), text, count=1))
