"""``storemon ingest --watch DIR``: keep loading a folder that receives hourly drops.

Each round loads the new and grown files (:func:`storemon.engine.ingest.ingest` with the file
registry, so a round costs what is new). A file still being written waits: only complete lines
load (a torn last line waits for its newline), and a file whose size changed since the last look
waits for the next round. A file that cannot be loaded at all (not UTF-8, a missing column) is
reported and left out until it changes; nothing already loaded is touched. SIGTERM and Ctrl-C
stop the loop between loads, never during one.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.load import FileError, LoadSummary
from storemon.errors import StoremonError


class Watcher:
    """The loop of ``--watch``: rounds of loading, a stop flag set by signals."""

    def __init__(
        self,
        folder: Path,
        db_path: Path,
        retention_days: int,
        say: Callable[[str], None] = print,
    ) -> None:
        """Prepare a watcher of ``folder`` loading into ``db_path``.

        Args:
            folder: The folder receiving drops.
            db_path: The database file.
            retention_days: Days of polls the database keeps hot.
            say: Where the loop's lines go.
        """
        self.folder = folder
        self.db_path = db_path
        self.retention_days = retention_days
        self.say = say
        self.stopping = False
        self._sizes: dict[str, int] = {}
        self._bad: dict[str, tuple[int, int]] = {}
        self._last_error = ""

    def stop(self, *_: object) -> None:
        """Ask the loop to stop after the load in progress (a signal handler)."""
        self.stopping = True

    def run(self, every: float, rounds: int | None = None) -> None:
        """Load, wait ``every`` seconds, again, until stopped (or after ``rounds`` rounds).

        Args:
            every: Seconds between the starts of two rounds.
            rounds: Stop after this many rounds (None: until a signal).
        """
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            done = 0
            while not self.stopping and (rounds is None or done < rounds):
                started = time.monotonic()
                self.round()
                done += 1
                while not self.stopping and time.monotonic() - started < every:
                    time.sleep(min(0.1, every))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.say("watch stopped")

    def round(self) -> LoadSummary | None:
        """One round: load what is new and complete; report a bad file and load without it.

        Returns:
            The summary of the load, or None when nothing could be loaded.
        """
        sizes = self._look()
        growing = {name for name, size in sizes.items() if self._sizes.get(name, size) != size}
        self._sizes = sizes
        while True:
            exclude = frozenset(growing | set(self._bad))
            options = LoadOptions(
                retention_days=self.retention_days, exclude=exclude, complete_lines_only=True
            )
            started = time.perf_counter()
            try:
                summary = ingest(self.folder, self.db_path, options=options)
            except FileError as error:
                stat = (self.folder / error.file).stat()
                self._bad[error.file] = (stat.st_size, stat.st_mtime_ns)
                self.say(f"skipped {error}")
                continue
            except StoremonError as error:
                if str(error) != self._last_error:
                    self.say(f"waiting: {error}")
                self._last_error = str(error)
                return None
            self._report(summary, time.perf_counter() - started)
            return summary

    def _look(self) -> dict[str, int]:
        """Sizes of the folder's files; a bad file that changed since is tried again."""
        sizes = {}
        for path in sorted(self.folder.iterdir()) if self.folder.is_dir() else []:
            if path.is_file():
                stat = path.stat()
                sizes[path.name] = stat.st_size
                if self._bad.get(path.name, (stat.st_size, stat.st_mtime_ns)) != (
                    stat.st_size,
                    stat.st_mtime_ns,
                ):
                    del self._bad[path.name]
        return sizes

    def _report(self, summary: LoadSummary, seconds: float) -> None:
        """One line for a round that loaded something."""
        loaded = [f for f in summary.files if f.action != "skip"]
        if not loaded:
            return
        files = ", ".join(
            f"{f.file} (+{f.rows_loaded:,} rows, {f.rows_rejected:,} rejected, {f.action})"
            for f in loaded
        )
        stamp = datetime.now().strftime("%H:%M:%S")
        self.say(f"{stamp} loaded {files} in {seconds:.1f} s")
