"""Scale benchmark: 1x, 10x and 100x the real fleet on one machine; a markdown table.

For each scale, every figure from one run: generating the data (only when it is not kept under
``data/bench/<scale>x/``), the floor (DuckDB alone reading, parsing and ordering the polls, as in
``bench/benchmark.py``), ingest time, peak memory and the most disk it used (:class:`DiskPeak`)
against what the database keeps, the report from the database in one process, the
partitioned export (``storemon.engine.partition.export_partitions``), and the partitioned
report on 2 local Dask workers, both on a cluster already running that has served one report
(what a cluster serving many reports costs) and with the cluster started by the report
(``storemon report --partitions 2``), and what a report job's kernel computes (the report,
every store's view, the data quality) in one process and in 2 partitions
(``STOREMON_PARTITIONS``). Each phase runs in its own process (``bench/benchmark.py``'s
``run_phase``); its peak is the largest resident set of that process or of any process it waited
for (a Dask worker of the local cluster is one), not their sum.

Hourly drops (``--drops SCALE:DAYS ...``): one more hour of polls loaded into a database holding
that many days (generated and loaded a day at a time, as a watched folder's database grows), the
median of ``--repeat`` loads from the same state: with the spare prepared (made equal to the
database, as ``storemon ingest`` leaves it after a load and ``--watch`` between rounds), with the
spare one drop away (what a load finds when nothing prepared it: it compares both files and
rewrites what differs), and copying the whole database instead (what a load does when a reader
still holds the spare), beside what copying that database alone costs (the copy, its flush to
the disk and removing the file it replaces).

Usage: ``python bench/benchmark_scale.py [--scales 1 10 100] [--drops 100:1 100:21]
[--markdown docs/scaling.md]`` (``make bench-scale``); with ``--markdown`` the tables are also
written into that page's blocks ``<!-- bench:scaling -->`` and ``<!-- bench:drops -->``
(``bench/tables.py``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import (  # noqa: E402
    BENCH_DATA,
    PHASES,
    REAL_STORES,
    _median_drop,
    run_phase,
)
from tables import command_line, machine, write_block  # noqa: E402

from storemon.engine.archive import archive_dir  # noqa: E402
from storemon.synthetic.generate import PINNED_END  # noqa: E402

# A cluster already running that has served a report (what a cluster serving many reports
# costs: its workers' imports done), the export written.
_RUNNING_CLUSTER = """
from distributed import LocalCluster
from storemon.engine.partition import partitioned_report, export_partitions
export_partitions(database)
cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
    dashboard_address="127.0.0.1:0",
)
partitioned_report(database, partitions, cluster.scheduler_address)  # it served a report before
"""

PHASES.update(
    {
        "export": (
            "from storemon.engine.partition import export_partitions",
            "export_partitions(database)",
        ),
        "report_partitioned": (
            _RUNNING_CLUSTER,
            "report = partitioned_report(database, partitions, cluster.scheduler_address)",
        ),
        "report_partitioned_cold": (
            """
from storemon.engine.partition import partitioned_report, export_partitions
export_partitions(database)
""",
            "report = partitioned_report(database, partitions)",
        ),
        # A fleet's polls over ``days`` from ``start`` (an ISO instant), with its hours and zones.
        "generate_from": (
            "from storemon.synthetic.generate import generate",
            "generate(out, stores=stores, days=days, seed=7, start=start)",
        ),
        # What a drop pays for working on a copy of the hot database: the copy, its flush to the
        # disk (the load's checkpoint syncs the whole file) and removing the file it replaces.
        "copy_database": (
            "import os, pathlib, shutil",
            """
copy = pathlib.Path(database).with_name(".bench-copy.duckdb")
shutil.copyfile(database, copy)
fd = os.open(copy, os.O_RDONLY)
os.fsync(fd)
os.close(fd)
copy.unlink()
""",
        ),
        # What a report job's kernel computes (storemon.analysis.reading): the report, every
        # store's view written, the data quality; in one process, then in partitions
        # (STOREMON_PARTITIONS) on a cluster already running.
        "job_reading": (
            """
import tempfile
from storemon.analysis.reading import build_reading
kept = tempfile.TemporaryDirectory(prefix="storemon-bench-")  # removed when the phase exits
out_dir = kept.name
""",
            "reading = build_reading(database, out_dir=out_dir)",
        ),
        "job_reading_partitioned": (
            _RUNNING_CLUSTER
            + """
import os, tempfile
from storemon.analysis.reading import build_reading
os.environ["STOREMON_PARTITIONS"] = str(partitions)
os.environ["STOREMON_SCHEDULER"] = cluster.scheduler_address
kept = tempfile.TemporaryDirectory(prefix="storemon-bench-")  # removed when the phase exits
out_dir = kept.name
""",
            "reading = build_reading(database, out_dir=out_dir)",
        ),
    }
)


class DiskPeak:
    """The most the file system holding a folder gained over its use when the block began.

    Sampled every 50 ms from this process while the block runs (a phase in its own process):
    everything a phase writes there, its database, working copy, write-ahead log and DuckDB's
    spill files when the temp directory is on the same file system (here it is).
    """

    def __init__(self, folder: Path) -> None:
        self.folder, self.peak = folder, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _used(self) -> int:
        usage = shutil.disk_usage(self.folder)
        return usage.total - usage.free

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._used() - self.start)

    def __enter__(self) -> DiskPeak:
        self.start = self._used()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._used() - self.start)


def stored_bytes(database: str) -> int:
    """The bytes a database keeps: its file and its archive folder."""
    folder = archive_dir(database)
    archived = (
        sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0
    )
    return Path(database).stat().st_size + archived


def bench_scale(scale: int, partitions: int) -> dict[str, float]:
    """Measure every phase at one scale (the generated data set is kept for the next run)."""
    stores = REAL_STORES * scale
    out = str(BENCH_DATA / f"{scale}x")
    database = str(BENCH_DATA / f"{scale}x.duckdb")
    figures: dict[str, float] = {"scale": scale, "stores": stores}
    if not Path(out, "store_status.csv").exists():
        made = run_phase("generate", out=out, stores=stores)
        figures["generate_s"], figures["generate_mib"] = made["seconds"], made["peak_mib"]
    Path(database).unlink(missing_ok=True)
    shutil.rmtree(archive_dir(database), ignore_errors=True)
    with open(Path(out, "store_status.csv"), "rb") as polls:
        figures["polls"] = sum(1 for _ in polls) - 1
    floor = run_phase("floor", out=out)
    figures["floor_s"], figures["floor_mib"] = floor["seconds"], floor["peak_mib"]
    with DiskPeak(BENCH_DATA) as disk:
        ingested = run_phase("ingest", database=database, out=out)
    figures["ingest_s"], figures["ingest_mib"] = ingested["seconds"], ingested["peak_mib"]
    figures["ingest_disk_bytes"], figures["stored_bytes"] = disk.peak, stored_bytes(database)
    print(f"  {scale}x ingest: {json.dumps(figures)}", file=sys.stderr, flush=True)
    for phase, key, variables in (
        ("report_db", "report", {}),
        ("export", "export", {}),
        ("report_partitioned", "partitioned", {"partitions": partitions}),
        ("report_partitioned_cold", "partitioned_cold", {"partitions": partitions}),
        ("job_reading", "job", {}),
        ("job_reading_partitioned", "job_partitioned", {"partitions": partitions}),
    ):
        result = run_phase(phase, database=database, **variables)
        figures[f"{key}_s"], figures[f"{key}_mib"] = result["seconds"], result["peak_mib"]
        print(f"  {scale}x {phase}: {json.dumps(result)}", file=sys.stderr, flush=True)
    return figures


def bench_drop(scale: int, days: int, repeat: int) -> dict[str, float]:
    """One hourly drop (an hour of polls: one per store) into a database holding ``days`` days.

    The history is generated and loaded a day at a time, as a watched folder's database grows,
    each day's export removed once loaded (at 100x, 21 days of exports would take 32 GB at once);
    then the hour after it is the drop, loaded ``repeat`` times from the same state (median) in
    each of the three ways (``_median_drop``). The pinned history ends at ``PINNED_END``.
    """
    stores = REAL_STORES * scale
    out = BENCH_DATA / f"drop-{scale}x-{days}d"
    shutil.rmtree(out, ignore_errors=True)
    live = out / "live"
    live.mkdir(parents=True)
    database = live / "storemon.duckdb"
    first_s = 0.0
    for day in range(days + 1):
        start = PINNED_END - timedelta(days=days - day)
        length = 1 if day < days else 1 / 24  # the last piece is the drop
        piece = out / "piece"
        run_phase("generate_from", out=str(piece), stores=stores, days=length, start=str(start))
        if day == 0:
            for name in ("menu_hours.csv", "timezones.csv"):
                shutil.move(piece / name, live / name)
        name = f"store_status_{start:%Y%m%d_%H}.csv"
        shutil.move(piece / "store_status.csv", live / name)
        shutil.rmtree(piece)
        if day == days:
            drop_file = live / name
            break
        first_s += run_phase("living_ingest", out=str(live), database=str(database))["seconds"]
        (live / name).unlink()  # its polls are held; a load keeps the polls of a file removed
        print(f"  drop {scale}x: day {day + 1} of {days} loaded", file=sys.stderr, flush=True)
    db_mib = database.stat().st_size / 2**20
    drop = _median_drop(live, str(database), repeat)
    compared = _median_drop(live, str(database), repeat, spare="compared")
    copying = _median_drop(live, str(database), repeat, spare="none")
    copies = sorted(
        run_phase("copy_database", database=str(database))["seconds"] for _ in range(repeat)
    )
    with open(drop_file, "rb") as polls:
        drop_polls = sum(1 for _ in polls) - 1
    figures = {
        "scale": scale,
        "days": days,
        "drop_polls": drop_polls,
        "first_s": first_s,
        "db_mib": db_mib,
        "drop_s": drop["seconds"],
        "drop_mib": drop["peak_mib"],
        "compared_s": compared["seconds"],
        "copying_s": copying["seconds"],
        "copy_s": copies[len(copies) // 2],
    }
    print(f"  drop {scale}x {days} days: {json.dumps(figures)}", file=sys.stderr, flush=True)
    shutil.rmtree(out)
    return figures


def render_drops(rows: list[dict[str, float]]) -> str:
    """The drops as a markdown table, each against the drop into the fewest days at its scale."""
    lines = [
        "| scale | days held (hot database) | drop (polls) "
        "| drop, spare prepared (`storemon ingest`, `--watch`), peak | vs fewest days "
        "| spare one drop away (compared first) | copying the database instead "
        "| copying the database alone (copy, flush, remove) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = min((b for b in rows if b["scale"] == r["scale"]), key=lambda b: b["days"])
        lines.append(
            f"| {int(r['scale'])}x | {int(r['days'])} ({r['db_mib']:,.0f} MiB) "
            f"| {int(r['drop_polls']):,} | {r['drop_s']:.2f} s, {r['drop_mib']:,.0f} MiB "
            f"| **{r['drop_s'] / base['drop_s']:.2f}x** "
            f"| {r['compared_s']:.2f} s ({r['compared_s'] / base['compared_s']:.2f}x) "
            f"| {r['copying_s']:.2f} s ({r['copying_s'] / base['copying_s']:.2f}x) "
            f"| {r['copy_s']:.2f} s |"
        )
    return "\n".join(lines)


def render(rows: list[dict[str, float]]) -> str:
    """The results as a markdown table (one column per scale) with the goals' ratios."""
    lines = [
        "| | " + " | ".join(f"{int(r['scale'])}x" for r in rows) + " |",
        "|---" * (len(rows) + 1) + "|",
    ]

    def line(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in rows) + " |")

    def timed(key: str):
        return lambda r: f"{r[key + '_s']:,.1f} s, {r[key + '_mib']:,.0f} MiB"

    line("stores / polls", lambda r: f"{int(r['stores']):,} / {int(r['polls']):,}")
    line("floor: DuckDB reads, parses and orders the polls", timed("floor"))
    line("ingest (CSV -> database)", timed("ingest"))
    line(
        "ingest / floor (goal at 10x and 100x: <= 3x)",
        lambda r: f"{r['ingest_s'] / r['floor_s']:.1f}x",
    )
    line(
        "disk used during the ingest, at most / database + archive (goal: <= 2x)",
        lambda r: (
            f"{r['ingest_disk_bytes'] / 2**30:,.2f} GiB / {r['stored_bytes'] / 2**30:,.2f} GiB"
            f" = {r['ingest_disk_bytes'] / r['stored_bytes']:.1f}x"
        ),
    )
    line("report, one process", timed("report"))
    line("partitioned export (Parquet by bucket)", timed("export"))
    line("report, 2 partitions, running cluster", timed("partitioned"))
    line("report, 2 partitions, cluster started", timed("partitioned_cold"))
    line("partitioned / one process", lambda r: f"{r['partitioned_s'] / r['report_s']:.2f}x")
    line("report job's reading (+ store views, data quality), one process", timed("job"))
    line("report job's reading, 2 partitions, running cluster", timed("job_partitioned"))
    line("job: partitioned / one process", lambda r: f"{r['job_partitioned_s'] / r['job_s']:.2f}x")
    base = rows[0]
    line(
        "report time / data (vs first column)",
        lambda r: f"{r['report_s'] / base['report_s']:.1f}x / {r['polls'] / base['polls']:.1f}x",
    )
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run the scales, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 10, 100])
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="PAGE",
        help="also write the tables into PAGE's blocks <!-- bench:scaling|drops -->",
    )
    parser.add_argument(
        "--drops",
        nargs="*",
        default=["100:1", "100:21"],
        help="hourly drops to time, SCALE:DAYS (days held in the database)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each drop (median)")
    args = parser.parse_args()
    rows = []
    for scale in args.scales:
        rows.append(bench_scale(scale, args.partitions))
        print(render(rows), file=sys.stderr, flush=True)
    drops = []
    for drop in args.drops:
        scale, days = (int(part) for part in drop.split(":"))
        drops.append(bench_drop(scale, days, args.repeat))
    tables = {
        "scaling": render(rows) if rows else None,
        "drops": render_drops(drops) if drops else None,
    }
    for name, table in tables.items():
        if table is None:
            continue
        print(table)
        if args.markdown is not None:
            write_block(args.markdown, name, table, command_line(), machine())


if __name__ == "__main__":
    main()
