"""Helpers of the report-job tests: a small real data set, a real server, waiting, processes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from storemon.engine.ingest import ingest
from storemon.engine.report import compute_report, write_report_csv
from storemon.synthetic.generate import generate

# Small enough that a report job is dominated by the kernel start, big enough to be realistic.
STORES = 40
DAYS = 8
START = "2024-10-29T00:00:00Z"
LATER_START = "2024-10-30T00:00:00Z"  # a second export, a day later, for the ingest tests


def make_database(folder: Path, start: str = START, seed: int = 0) -> Path:
    """Generate exports into ``folder/raw`` and ingest them into ``folder/storemon.duckdb``."""
    raw = folder / f"raw-{seed}-{start[:10]}"
    generate(raw, stores=STORES, days=DAYS, start=start, seed=seed)
    database = folder / "storemon.duckdb"
    ingest(raw, database)
    return database


def add_export(database: Path, folder: Path, start: str = LATER_START) -> None:
    """Ingest a later export into ``database`` (what an hourly load does)."""
    raw = folder / f"raw-later-{start[:10]}"
    generate(raw, stores=STORES, days=DAYS, start=start, seed=0)
    ingest(raw, database)


def expected_csv(
    source: Path, tmp: Path, as_of: str | None = None, method: str = "nearest"
) -> bytes:
    """The report's CSV bytes as the engine writes them, for byte-for-byte comparison."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"expected-{method}-{(as_of or 'latest').replace(':', '')}.csv"
    write_report_csv(compute_report(source, as_of=as_of, method=method), path)
    return path.read_bytes()


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL.

    Leaving the block shuts the server down the way Ctrl-C does (lifespan shutdown included).
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 30, "the server to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
        listener.close()
        assert not thread.is_alive(), "the server did not stop"


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"
