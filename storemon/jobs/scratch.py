"""A private temporary folder per process that runs kernels, removed however the process ends.

jupyter_client writes each kernel's connection file (which holds the kernel's signing key) with
``tempfile.mkstemp``; a runner killed while a kernel runs would leave it in the system's temp
folder. A process that runs reports therefore points :mod:`tempfile` at a folder of its own,
``storemon-kernels-<pid>-<start>-*``, removes it when it exits, and removes the folders of
processes that no longer run (killed ones) when it starts.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
from pathlib import Path

from storemon.jobs.process import process_alive, process_identity
from storemon.jobs.records import ProcessIdentity

PREFIX = "storemon-kernels-"


def _owner(folder: Path) -> ProcessIdentity | None:
    """The process a scratch folder belongs to, read from its name (None if not ours)."""
    pid, start, *_ = [*folder.name.removeprefix(PREFIX).split("-"), "", ""]
    if not pid.isdigit():
        return None
    # the temp folder is this machine's: its owner ran here
    start_ticks = int(start) if start.isdigit() else None
    return ProcessIdentity(pid=int(pid), start=start_ticks, host=socket.gethostname())


def remove_stale(parent: Path | None = None) -> list[Path]:
    """Remove the scratch folders of processes that no longer run.

    Args:
        parent: Where they are (default the system's temp folder).

    Returns:
        The folders removed.
    """
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    for folder in parent.glob(f"{PREFIX}*"):
        owner = _owner(folder)
        if folder.is_dir() and owner is not None and not process_alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def use_private_tempdir() -> Path:
    """Point :mod:`tempfile` at a new private folder of this process, removed at exit.

    Returns:
        The folder (mode 0700).
    """
    if tempfile.tempdir and Path(tempfile.tempdir).name.startswith(PREFIX):
        return Path(tempfile.tempdir)  # already done in this process
    parent = Path(tempfile.gettempdir())
    remove_stale(parent)
    me = process_identity()
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{me.pid}-{me.start}-", dir=parent))
    tempfile.tempdir = str(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
