"""``storemon ingest --watch`` as a real process: files appearing and growing, a torn last line
that waits, a bad file reported and skipped, and SIGTERM stopping it between loads."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from live_servers import wait_for

from storemon.synthetic.generate import generate


def polls_held(database: Path) -> int | None:
    """Polls in the database, or None while it does not exist yet."""
    if not database.exists():
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select count(*) from store_status").fetchone()[0]
    finally:
        con.close()


def rejects_held(database: Path) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select count(*) from rejects").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_watch_loads_drops_as_they_come_and_stops_on_sigterm(tmp_path: Path):
    source = tmp_path / "source"
    generate(source, stores=3, days=2, start="2024-10-29T00:00:00Z", seed=2)
    lines = (source / "store_status.csv").read_text().splitlines(keepends=True)
    header, polls = lines[0], lines[1:]
    assert len(set(polls)) == len(polls)  # every line below adds one poll
    drops = tmp_path / "drops"
    drops.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(source / name, drops / name)
    first = drops / "store_status_1.csv"
    first.write_text(header + "".join(polls[:50]))
    database = tmp_path / "watched.duckdb"
    log = tmp_path / "watch.log"
    with open(log, "w") as out:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "storemon.cli", "ingest", "--watch", str(drops)]
            + ["--db", str(database), "--every", "0.3"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: polls_held(database) == 50, 60, "the first file loaded")
        torn = polls[70]
        with first.open("a") as stream:  # grows, its last line still being written
            stream.write("".join(polls[50:70]) + torn[:12])
        wait_for(lambda: polls_held(database) == 70, 30, "the grown file's complete lines")
        assert rejects_held(database) == 0  # the torn line waits, it is not rejected
        with first.open("a") as stream:
            stream.write(torn[12:])
        wait_for(lambda: polls_held(database) == 71, 30, "the torn line, once complete")

        (drops / "store_status_2_bad.csv").write_text("store_id,when\nA,2024-10-30\n")
        wait_for(lambda: "skipped store_status_2_bad.csv" in log.read_text(), 30, "a bad file")
        (drops / "store_status_3.csv").write_text(header + "".join(polls[71:90]))
        wait_for(lambda: polls_held(database) == 90, 30, "a file after the bad one")
        assert "missing column 'timestamp_utc'" in log.read_text()
    finally:
        watcher.send_signal(signal.SIGTERM)
        code = watcher.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert text.rstrip().endswith("watch stopped")
    assert "Traceback" not in text
    loaded_lines = [line for line in text.splitlines() if " loaded " in line]
    assert 4 <= len(loaded_lines) <= 5, text  # one line per round that loaded something
    assert polls_held(database) == 90
