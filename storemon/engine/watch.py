"""``storemon ingest --watch DIR``: keep loading a folder that receives hourly drops.

Each round loads the new and grown files (:func:`storemon.engine.ingest.ingest` with the file
registry, so a round costs what is new; a round with nothing new reads the registry once and copies
nothing). Only complete lines load: a torn last line waits for its newline, or loads once its file
has not changed for a round and for ``settle`` seconds (an exporter that omits the final newline),
and the round says so. A status file that grows between every round loads its complete lines as
they come. An hours or zone file that changed since the last look waits a round, and while one of
them waits, cannot be loaded, or would drop most stores, the snapshot held is kept whole (drops
keep loading) and every round says why. A file that cannot be loaded at all (not UTF-8, a missing
column) is left out until it changes. Polls rejected as in the future load once the clock passes
them. SIGTERM and Ctrl-C stop the loop between loads, never during one. After a round, while the
loop waits, the database's spare is made equal to it
(:func:`storemon.engine.ingest.prepare_next_load`), so that the next round's load starts without
reading or copying the hot database.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from storemon.engine.incremental import LoadOptions, SnapshotRefused
from storemon.engine.ingest import ingest, prepare_next_load
from storemon.engine.load import FileError, LoadSummary
from storemon.engine.sources import KINDS, STATUS
from storemon.errors import StoremonError

_Stat = tuple[int, int]  # size, mtime
# A torn last line is taken as the file's last line once the file stayed as it is this long.
SETTLE_SECONDS = 60.0


class Watcher:
    """The loop of ``--watch``: rounds of loading, a stop flag set by signals."""

    def __init__(
        self,
        folder: Path,
        db_path: Path,
        retention_days: int,
        say: Callable[[str], None] = print,
        clock: Callable[[], datetime] | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        """Prepare a watcher of ``folder`` loading into ``db_path``.

        Args:
            folder: The folder receiving drops.
            db_path: The database file.
            retention_days: Days of polls the database keeps hot.
            say: Where the loop's lines go.
            clock: The loads' clock (default: the time now).
            settle: Seconds a file must have stayed unchanged (and for a round) before its torn
                last line is taken as its last line.
        """
        self.folder = folder
        self.db_path = db_path
        self.retention_days = retention_days
        self.say = say
        self.clock = clock
        self.settle = settle
        self.stopping = False
        self._seen: dict[str, _Stat] = {}
        self._bad: dict[str, tuple[_Stat, str]] = {}  # left out until they change, and why
        self._refused: dict[str, tuple[object, str]] = {}  # snapshot kind -> its files, why
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
                if self.round() is not None:
                    prepare_next_load(self.db_path)  # while the loop waits for the next round
                done += 1
                while not self.stopping and time.monotonic() - started < every:
                    time.sleep(min(0.1, every))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.say("watch stopped")

    def round(self) -> LoadSummary | None:
        """One round: load what is new and complete; leave out what cannot load, and say why.

        Returns:
            The summary of the load, or None when nothing could be loaded.
        """
        seen = self._look()
        changed = {name for name, stat in seen.items() if self._seen.get(name, stat) != stat}
        now_ns = time.time_ns()
        settled = frozenset(
            name
            for name, stat in seen.items()
            if self._seen.get(name) == stat and now_ns - stat[1] >= self.settle * 1e9
        )
        self._seen = seen
        # a snapshot file that changed since the last look may be half written: it waits a round
        waiting = {name for name in changed if not STATUS.file_pattern.match(name)}
        told: set[str] = set()
        while True:
            options = LoadOptions(
                retention_days=self.retention_days,
                exclude=frozenset(waiting | set(self._bad)),
                complete_lines_only=True,
                settled=settled,
                keep_snapshots=frozenset(self._refused),
                clock=None if self.clock is None else self.clock(),
            )
            started = time.perf_counter()
            try:
                summary = ingest(self.folder, self.db_path, options=options)
            except SnapshotRefused as error:
                self._refused[error.kind] = (self._files_of(error.kind, seen), str(error))
                told.add(error.kind)
                self.say(f"refused the new {error.kind} files, drops keep loading: {error}")
                continue
            except FileError as error:
                told.add(self._leave_out(error))
                continue
            except StoremonError as error:
                if str(error) != self._last_error:
                    self.say(f"waiting: {error}")
                self._last_error = str(error)
                return None
            self._last_error = ""
            self._report(summary, time.perf_counter() - started)
            self._standing(told)
            return summary

    def _look(self) -> dict[str, _Stat]:
        """Size and mtime of the folder's files; what was left out and changed since is retried."""
        seen = {}
        for path in sorted(self.folder.iterdir()) if self.folder.is_dir() else []:
            if path.is_file():
                stat = path.stat()
                seen[path.name] = (stat.st_size, stat.st_mtime_ns)
        self._bad = {n: bad for n, bad in self._bad.items() if seen.get(n) == bad[0]}
        self._refused = {
            kind: refused
            for kind, refused in self._refused.items()
            if self._files_of(kind, seen) == refused[0]
        }
        return seen

    @staticmethod
    def _files_of(kind: str, seen: dict[str, _Stat]) -> object:
        """The files of one input kind as they are now (names, sizes and mtimes)."""
        pattern = next(k.file_pattern for k in KINDS if k.name == kind)
        return sorted((name, stat) for name, stat in seen.items() if pattern.match(name))

    def _leave_out(self, error: FileError) -> str:
        """Leave a file that cannot be loaded out until it changes (or say it disappeared)."""
        try:
            stat = (self.folder / error.file).stat()
        except FileNotFoundError:
            self.say(f"skipped {error.file}: it disappeared during the round")
            return error.file
        self._bad[error.file] = ((stat.st_size, stat.st_mtime_ns), str(error))
        self.say(f"skipped {error}")
        return error.file

    def _standing(self, told: set[str]) -> None:
        """Repeat, every round, what stays left out or refused and why (not twice a round)."""
        for name, (_, why) in sorted(self._bad.items()):
            if name not in told:
                self.say(f"still left out until it changes: {why}")
        for kind, (_, why) in sorted(self._refused.items()):
            if kind not in told:
                self.say(f"still refusing the new {kind} files, drops keep loading: {why}")

    def _report(self, summary: LoadSummary, seconds: float) -> None:
        """One line for a round that loaded something; then what the load noted."""
        for note in summary.notes:
            self.say(note)
        loaded = [f for f in summary.files if f.action != "skip"]
        if not loaded:
            return
        files = ", ".join(
            f"{f.file} (+{f.rows_loaded:,} rows, {f.rows_rejected:,} rejected, {f.action})"
            for f in loaded
        )
        stamp = datetime.now().strftime("%H:%M:%S")
        self.say(f"{stamp} loaded {files} in {seconds:.1f} s")
