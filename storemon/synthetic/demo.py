"""Where a report's data comes from: the source asked for, or the demo set when nothing exists yet.

On a fresh clone nothing has been ingested, so the default database does not exist; reports, the
dashboard and the notebooks then read a small generated demo data set and say so. Any other
missing source is an error, named before any work starts.

A relative source here is relative to the storemon home (``config.PROJ_ROOT``): that is what the
notebook's default parameter ``data/storemon.duckdb`` means. Paths a user types are relative to
the working directory instead; the command line makes them absolute before they get here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from storemon.config import DATA_DIR, DEFAULT_DB, PROJ_ROOT
from storemon.engine.report import check_source
from storemon.synthetic.generate import PINNED_END, generate

DEMO_DIR = DATA_DIR / "demo"
# Small enough to generate and report in about a second on a fresh clone.
DEMO_STORES = 200
DEMO_DAYS = 8


def source_path(source: str | Path) -> Path:
    """The absolute path of a source: a relative one is relative to the storemon home.

    Args:
        source: A database or CSV folder.

    Returns:
        ``source`` itself when absolute, else ``PROJ_ROOT / source``.
    """
    path = Path(source)
    return path if path.is_absolute() else PROJ_ROOT / path


def resolve_source(
    source: str | Path, default: Path = DEFAULT_DB, demo_dir: Path = DEMO_DIR
) -> tuple[Path, bool]:
    """Return the data to read, falling back to the demo data set on a fresh clone.

    When ``source`` is the default database and it does not exist yet (nothing was ingested),
    the demo data set ``demo_dir`` is read instead, generated there on first use, so that the
    report notebook runs with its defaults anywhere (nbval, CI, a new machine). Any other
    missing source stays an error.

    Args:
        source: A database or CSV folder (see :func:`source_path`).
        default: The default database.
        demo_dir: Folder of the demo CSV exports.

    Returns:
        The path to read and whether it is the demo data set.
    """
    path = source_path(source)
    if path.exists() or path.resolve() != Path(default).resolve():
        return path, False
    if not demo_dir.is_dir():
        _generate_demo(demo_dir)
    return demo_dir, True


def require_source(source: str | Path, default: Path = DEFAULT_DB) -> None:
    """Refuse a source that does not exist, except the default (it falls back to the demo data).

    Args:
        source: A database or CSV folder (see :func:`source_path`).
        default: The default database.

    Raises:
        StoremonError: ``source`` is not the default and does not exist.
    """
    path = source_path(source)
    if path.resolve() != Path(default).resolve():
        check_source(path)


def _generate_demo(demo_dir: Path) -> None:
    """Generate the demo exports into ``demo_dir`` all at once (concurrent runs may race)."""
    work_dir = demo_dir.with_name(f".{demo_dir.name}-{os.getpid()}")
    shutil.rmtree(work_dir, ignore_errors=True)
    generate(work_dir, stores=DEMO_STORES, days=DEMO_DAYS, seed=0, end=PINNED_END)
    try:
        work_dir.rename(demo_dir)
    except OSError:
        # Another run made it first; the generator is deterministic, so theirs equals ours.
        shutil.rmtree(work_dir, ignore_errors=True)
