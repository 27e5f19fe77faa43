"""Benchmark storemon on generated data at 1x and 10x the real fleet; prints a markdown table.

Every figure of a row comes from the same run on the same machine, so the ratios compare like
with like:

- bare scan: DuckDB reading every field of the three CSVs and doing nothing else;
- floor: DuckDB alone reading the polls, parsing their instants and ordering each store's polls
  (and reading the hours and zones): the floor each goal is a ratio of, run alternately with the
  report from the raw CSVs (medians of ``--repeat`` runs each);
- ingest: ``storemon ingest`` into a new database;
- report (db) / report (csv): ``compute_report`` on the database / on the raw CSV folder;
- brute force: the tests' obviously-correct Python reference, timed on a sample of stores and
  scaled by the number of stores (it is far too slow to run on the whole fleet);
- reading / with store views: the report notebook's ``build_reading`` on the database, without
  and with every store's week kept for the store endpoint (the extra cost of ``store_weeks/``);
- peak memory: the largest resident set of the process that ran a phase (each phase runs in its
  own process, measured with wait4).

Usage: ``python bench/benchmark.py [--scales 1 10] [--sample 30] [--repeat 3] [--markdown
docs/performance.md]``; with ``--markdown`` the table is also written into that page's block
(``bench/tables.py``), with the command and the machine: ``make bench`` writes the tables of
docs/performance.md.

``--latency`` measures instead what a user waits for a report of the real fleet's size,
all in one run: the engine alone (``compute_report`` on the database), trigger -> Complete
through the API on a real server (p50 and p95 of sequential reports, after one untimed report;
the client polls every 20 ms) with the median time from the trigger to each step the reports'
logs mark (:mod:`storemon.jobs.timing`), and ``storemon report`` on the command line (until it
printed the CSV's path, and until it exited) with its kernel started up front (the default) or
only when the notebook runs.

Trends, ``python bench/benchmark.py --trend [--scales 1 10]``: 4 weekly and 28 daily points
against one report, on 4 weeks of history (:mod:`trend`, beside this file).

Living data, ``python bench/benchmark.py --living [--stores 14092]``: for 1, 4 and 12
weeks of history, the first load of that history (ending at noon UTC), one more hourly drop in
the middle of the day (about 10 k polls: what almost every hour costs), the drop just after
midnight (which also moves the day that left the hot window to the archive: once a day), and a
report on the database, each row from one run; each drop is timed ``--repeat`` times from the
same state (median). The database keeps 21 days hot (the default), the rest is in its Parquet
archive.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from storemon.engine.spare_file import equal_mark, spare_path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboard_bench  # noqa: E402  (bench/dashboard_bench.py, beside this script)
import trend as trend_bench  # noqa: E402  (bench/trend.py, beside this script)
from kept import is_current  # noqa: E402  (bench/kept.py)
from tables import command_line, machine, write_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = ROOT / "data" / "bench"
REAL_STORES = 14_092
CORES = os.cpu_count() or 1

# Each phase: (setup, timed code). Imports and setup are outside the timing.
PHASES = {
    # Pinned data: the same bytes on every run and machine (8 days over a DST change).
    "generate": (
        "from storemon.synthetic.generate import PINNED_END, generate",
        "generate(out, stores=stores, days=8, seed=7, end=PINNED_END)",
    ),
    "scan": (
        "from storemon.engine import db\ncon = db.connect()",
        """
for name in ("store_status.csv", "menu_hours.csv", "timezones.csv"):
    con.execute(
        "select count(*), max(length(columns(*))) from read_csv($f, all_varchar = true)",
        {"f": f"{out}/{name}"},
    ).fetchall()
""",
    ),
    # The floor of the goals: DuckDB alone reads the polls, parses their instants and orders each
    # store's polls (and reads the hours and zones as text), in memory.
    "floor": (
        "from storemon.engine import db\ncon = db.connect()",
        """
con.execute(
    "create table polls as select store_id, try_strptime(timestamp_utc, "
    "['%Y-%m-%d %H:%M:%S.%f UTC', '%Y-%m-%d %H:%M:%S UTC']) as instant, status "
    "from read_csv($f, all_varchar = true) order by store_id, instant",
    {"f": f"{out}/store_status.csv"},
)
for name in ("menu_hours", "timezones"):
    con.execute(
        f"create table {name} as select * from read_csv($f, all_varchar = true)",
        {"f": f"{out}/{name}.csv"},
    )
""",
    ),
    "ingest": ("from storemon.engine.ingest import ingest", "ingest(out, database)"),
    "report_db": ("from storemon import compute_report", "report = compute_report(database)"),
    "report_csv": ("from storemon import compute_report", "report = compute_report(out)"),
    # Whole days from midnight UTC plus the first hour of the next day.
    "generate_days": (
        "from datetime import timedelta\n"
        "from storemon.synthetic.generate import PINNED_END, generate",
        "generate(out, stores=stores, days=days, seed=7, end=PINNED_END + timedelta(hours=1))",
    ),
    "split_living": (
        "from storemon.engine import db\ncon = db.connect()",
        """
import pathlib
src = f"{out}/all/store_status.csv"
last = con.execute(
    "select max(timestamp_utc) from read_csv($f, all_varchar = true)", {"f": src}
).fetchone()[0]
hour = con.execute(
    "select strptime($t, '%Y-%m-%d %H:%M:%S.%f UTC')", {"t": last}
).fetchone()[0]
import datetime as dt
cuts = [hour - dt.timedelta(hours=h) for h in (13, 12, 1)]
text = [c.strftime('%Y-%m-%d %H:%M:%S.%f UTC') for c in cuts]
bounds = (
    ("history", None, text[0]),
    ("noon", text[0], text[1]),
    ("between", text[1], text[2]),
    ("midnight", text[2], None),
)
for folder, lo, hi in bounds:
    pathlib.Path(f"{out}/{folder}").mkdir(exist_ok=True)
    where = " and ".join(
        [f"timestamp_utc >= '{lo}'"] * (lo is not None)
        + [f"timestamp_utc < '{hi}'"] * (hi is not None)
    )
    con.execute(
        f"copy (select * from read_csv($f, all_varchar = true) where {where}) "
        f"to '{out}/{folder}/store_status.csv' (header, quote '')",
        {"f": src},
    )
""",
    ),
    # The last hour of a generated folder apart from the rest: a history and one hourly drop.
    "living_ingest": ("from storemon.engine.ingest import ingest", "ingest(out, database)"),
    # What `storemon ingest --watch` does between rounds: the spare made equal to the database.
    "prepare_spare": (
        "from storemon.engine.ingest import prepare_next_load",
        "assert prepare_next_load(database)",
    ),
    "brute_force": (
        """
import sys, pandas as pd
sys.path.insert(0, "tests")
from reference import compute_reference
polls = pd.read_csv(f"{out}/store_status.csv", dtype=str)
hours = pd.read_csv(f"{out}/menu_hours.csv", dtype=str)
zones = pd.read_csv(f"{out}/timezones.csv", dtype=str)
ids = sorted(polls["store_id"].unique())[:: max(1, polls["store_id"].nunique() // sample)][:sample]
polls, hours, zones = (
    frame[frame["store_id"].isin(ids)] for frame in (polls, hours, zones)
)
""",
        "compute_reference(polls, hours, zones)",
    ),
    # The report notebook's reading, without and with the store views kept.
    "reading": ("from storemon.analysis.reading import build_reading", "build_reading(database)"),
    "reading_store_weeks": (
        "from storemon.analysis.reading import build_reading",
        "build_reading(database, out_dir=out_dir)",
    ),
}


PHASES.update(trend_bench.PHASES)


def run_phase(phase: str, **variables: object) -> dict[str, float]:
    """Run one phase in a fresh Python process; return its wall time, CPU time and peak memory.

    CPU time (``cpu_seconds``: user + system, of all the process's threads, in the timed code
    only) is the work done: on a machine that others share it varies far less than wall time.
    """
    prelude = "import json, time\n" + "".join(f"{k} = {v!r}\n" for k, v in variables.items())
    setup, timed = PHASES[phase]
    code = (
        prelude
        + setup
        + "\nstarted, cpu_started = time.perf_counter(), time.process_time()\n"
        + timed
        + "\nseconds = time.perf_counter() - started\n"
        + "cpu_seconds = time.process_time() - cpu_started\n"
        + "print(json.dumps({'seconds': seconds, 'cpu_seconds': cpu_seconds}))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"phase {phase} failed (status {status})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # the whole process, setup included
    return result


def bench_scale(scale: int, sample: int, repeat: int) -> dict[str, float]:
    """Measure every phase at one scale; the data set is generated once and kept."""
    stores = REAL_STORES * scale
    out = str(BENCH_DATA / f"{scale}x")
    database = str(BENCH_DATA / f"{scale}x.duckdb")
    figures: dict[str, float] = {"scale": scale, "stores": stores}
    if not Path(out, "store_status.csv").exists():
        figures["generate_s"] = run_phase("generate", out=out, stores=stores)["seconds"]
    Path(database).unlink(missing_ok=True)
    polls = sum(1 for _ in open(Path(out, "store_status.csv"), "rb")) - 1
    figures["polls"] = polls
    figures["scan_s"] = min(run_phase("scan", out=out)["seconds"] for _ in range(repeat))
    floors = [run_phase("floor", out=out)["seconds"]]
    ingest = run_phase("ingest", out=out, database=database)
    figures["ingest_s"], figures["ingest_mib"] = ingest["seconds"], ingest["peak_mib"]
    db_runs = [run_phase("report_db", database=database) for _ in range(repeat)]
    figures["report_db_s"] = sorted(r["seconds"] for r in db_runs)[len(db_runs) // 2]
    figures["report_db_mib"] = max(r["peak_mib"] for r in db_runs)
    figures.update(bench_against_floor(out, repeat, floors))
    brute = run_phase("brute_force", out=out, sample=sample)
    figures["brute_force_s"] = brute["seconds"] / sample * stores
    figures.update(bench_store_weeks(database, str(BENCH_DATA / f"{scale}x-report"), repeat))
    print(f"  measured {scale}x: {json.dumps(figures)}", file=sys.stderr)
    return figures


def bench_against_floor(out: str, repeat: int, floors: list[float]) -> dict[str, float]:
    """The report from the raw CSVs and the floor (DuckDB's parse-and-order), run alternately.

    Medians of ``repeat`` runs each (``floors`` holds floor runs made before, counted with them),
    so that both meet the same load of the machine; the machine's load average is kept too.
    """
    csv_runs = []
    for _ in range(repeat):
        floors.append(run_phase("floor", out=out)["seconds"])
        csv_runs.append(run_phase("report_csv", out=out))
    return {
        "floor_s": sorted(floors)[len(floors) // 2],
        "report_csv_s": sorted(r["seconds"] for r in csv_runs)[len(csv_runs) // 2],
        "report_csv_mib": max(r["peak_mib"] for r in csv_runs),
        "load_avg": os.getloadavg()[1],
    }


def bench_store_weeks(database: str, out_dir: str, repeat: int) -> dict[str, float]:
    """The report's reading without and with its store views kept (``store_weeks/``), medians.

    The two are run alternately, so that both meet the same load of the machine.
    """
    plain, kept = [], []
    for _ in range(repeat):
        plain.append(run_phase("reading", database=database)["seconds"])
        kept.append(
            run_phase("reading_store_weeks", database=database, out_dir=out_dir)["seconds"]
        )
    return {
        "reading_s": sorted(plain)[len(plain) // 2],
        "reading_weeks_s": sorted(kept)[len(kept) // 2],
    }


def live_folder(out: Path) -> Path:
    """A fresh ``out/live`` folder as a watched folder holds it before the timed drops.

    It gets the generated hours and zones (``out/all``) and the polls of the history
    (``out/history``), to be loaded first.
    """
    live = out / "live"
    shutil.rmtree(live, ignore_errors=True)
    live.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        shutil.copy(out / "all" / name, live / name)
    history = out / "history" / "store_status.csv"
    try:  # the same bytes without a second copy on the disk (a load only reads its files)
        os.link(history, live / "store_status_history.csv")
    except OSError:
        shutil.copy(history, live / "store_status_history.csv")
    return live


def bench_living(stores: int, weeks: list[int], repeat: int) -> list[dict[str, float]]:
    """Hourly-drop ingest and report time after 1, 4 and 12 weeks of history."""
    rows = []
    for n_weeks in weeks:
        out = BENCH_DATA / f"living-{stores}-{n_weeks}w"
        if not (out / "all" / "store_status.csv").exists():
            days = 7 * n_weeks + 1 / 24
            run_phase("generate_days", out=str(out / "all"), stores=stores, days=days)
        if not (out / "midnight" / "store_status.csv").exists():
            run_phase("split_living", out=str(out))
        live = live_folder(out)
        database = str(live / "storemon.duckdb")
        first = run_phase("living_ingest", out=str(live), database=database)
        # a drop in the middle of the day: what almost every hour costs
        shutil.copy(out / "noon" / "store_status.csv", live / "store_status_noon.csv")
        noon = _median_drop(live, database, repeat)
        # the rest of the day, then the drop after midnight, which also moves a day to the archive
        shutil.copy(out / "between" / "store_status.csv", live / "store_status_between.csv")
        run_phase("living_ingest", out=str(live), database=database)
        shutil.copy(out / "midnight" / "store_status.csv", live / "store_status_midnight.csv")
        midnight = _median_drop(live, database, repeat)
        rows.append(
            {
                "weeks": n_weeks,
                "polls": _lines(out / "all" / "store_status.csv"),
                "drop_polls": _lines(out / "noon" / "store_status.csv"),
                "database": database,
                "db_mib": Path(database).stat().st_size / 2**20,
                "archive_days": len(list((live / "archive").glob("date=*"))),
                "first_s": first["seconds"],
                "drop_s": noon["seconds"],
                "drop_mib": noon["peak_mib"],
                "midnight_s": midnight["seconds"],
            }
        )
    # Reports round-robin over the histories, so that a busy machine slows them alike.
    runs: dict[int, list[float]] = {int(r["weeks"]): [] for r in rows}
    for _ in range(repeat):
        for r in rows:
            runs[int(r["weeks"])].append(run_phase("report_db", database=r["database"])["seconds"])
    for r in rows:
        times = sorted(runs[int(r["weeks"])])
        r["report_s"], r["report_min_s"] = times[len(times) // 2], times[0]
        print(f"  measured {r['weeks']} weeks: {json.dumps(r)}", file=sys.stderr)
    return rows


def _lines(path: Path) -> int:
    """Data lines of a CSV file (its header excluded)."""
    with open(path, "rb") as stream:
        return sum(1 for _ in stream) - 1


def _median_drop(
    live: Path, database: str, repeat: int, spare: str = "prepared"
) -> dict[str, float]:
    """Ingest the new drop ``repeat`` times from the same state (database, archive): the median.

    ``spare`` says how the load finds the database's spare (storemon.engine.spare_file):
    ``prepared``, equal to the database, as ``storemon ingest`` leaves it after a load and
    ``--watch`` between rounds (the load reads neither file); ``compared``, one drop away from
    it, as a load finds the file the load before replaced when nothing prepared it (the load
    compares both files and rewrites what differs); ``none``, no spare, so the load copies the
    database (as when a reader still holds the spare).

    No database is copied to restore the state (at 100x with 21 days it holds 10.8 GiB): a load
    renames its file over the database and keeps the file it replaced, the state before it, as
    the spare; swapping the two names puts that state back, its spare one drop away. An untimed
    load of the drop makes that pair first. The database is left as it was found, the spare one
    drop away from it.
    """
    db_path = Path(database)
    spare_file, mark = spare_path(db_path), equal_mark(db_path)
    state = live.parent / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir()
    if (live / "archive").exists():
        shutil.copytree(live / "archive", state / "archive")

    def restore() -> None:
        if not spare_file.exists():
            raise SystemExit(f"the load kept no spare beside {db_path}: nothing to restore")
        swap = state / "swap.duckdb"
        os.replace(spare_file, swap)
        os.replace(db_path, spare_file)
        os.replace(swap, db_path)
        mark.unlink(missing_ok=True)
        shutil.rmtree(live / "archive", ignore_errors=True)
        if (state / "archive").exists():
            shutil.copytree(state / "archive", live / "archive")
        os.sync()  # what the load wrote is on the disk, not written back during the next one

    run_phase("living_ingest", out=str(live), database=database)
    restore()
    runs = []
    for _ in range(repeat):
        if spare == "prepared":
            run_phase("prepare_spare", database=database)
            os.sync()
        elif spare == "none":
            spare_file.unlink()
        runs.append(run_phase("living_ingest", out=str(live), database=database))
        restore()
    shutil.rmtree(state)
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def render_living(rows: list[dict[str, float]]) -> str:
    """The living-data figures as a markdown table (one row per history length)."""
    base = rows[0]
    lines = [
        "| history | polls | hot database, archive | first load | hourly drop (polls) "
        "| drop / 1-week load | drop / 1 week | drop after midnight (archives a day) "
        "| report (median, fastest) | report / 1 week |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {int(r['weeks'])} week{'s' * (int(r['weeks']) != 1)} | {int(r['polls']):,} "
            f"| {r['db_mib']:,.0f} MiB, {int(r['archive_days'])} days "
            f"| {r['first_s']:.1f} s | {r['drop_s']:.2f} s ({int(r['drop_polls']):,}) "
            f"| {r['drop_s'] / base['first_s']:.2f}x | {r['drop_s'] / base['drop_s']:.2f}x "
            f"| {r['midnight_s']:.2f} s ({r['midnight_s'] / base['first_s']:.2f}x of the load) "
            f"| {r['report_s']:.2f} s, {r['report_min_s']:.2f} s "
            f"| {r['report_s'] / base['report_s']:.2f}x |"
        )
    return "\n".join(lines)


def render(rows: list[dict[str, float]]) -> str:
    """The results as a markdown table (one column per scale)."""
    lines = [
        "| | " + " | ".join(f"{int(r['scale'])}x" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]

    def line(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in rows) + " |")

    line("stores / polls", lambda r: f"{int(r['stores']):,} / {int(r['polls']):,}")
    line("bare CSV scan (DuckDB)", lambda r: f"{r['scan_s']:.2f} s")
    line("floor: DuckDB reads, parses and orders the polls", lambda r: f"{r['floor_s']:.2f} s")
    line(
        "ingest (CSV -> database)", lambda r: f"{r['ingest_s']:.1f} s, {r['ingest_mib']:,.0f} MiB"
    )
    line(
        "ingest / floor (goal at 10x: <= 3x, peak <= 4 GiB)",
        lambda r: f"{r['ingest_s'] / r['floor_s']:.1f}x (floor {r['floor_s']:.2f} s)",
    )
    line(
        "report from database",
        lambda r: f"{r['report_db_s']:.2f} s, {r['report_db_mib']:,.0f} MiB",
    )
    line(
        "report from raw CSVs",
        lambda r: f"{r['report_csv_s']:.1f} s, {r['report_csv_mib']:,.0f} MiB",
    )
    line("report from CSVs / bare scan", lambda r: f"{r['report_csv_s'] / r['scan_s']:.1f}x")
    line(
        "report from CSVs / floor (goal at 1x: <= 2.5x)",
        lambda r: f"{r['report_csv_s'] / r['floor_s']:.1f}x (floor {r['floor_s']:.2f} s)",
    )
    line("brute-force reference (scaled)", lambda r: f"{r['brute_force_s']:,.0f} s")
    line(
        "speed-up of report (db) over brute force",
        lambda r: f"{r['brute_force_s'] / r['report_db_s']:,.0f}x",
    )
    line(
        "report's reading / with store views kept",
        lambda r: (
            f"{r['reading_s']:.2f} s / {r['reading_weeks_s']:.2f} s "
            f"({r['reading_weeks_s'] - r['reading_s']:+.2f} s)"
        ),
    )
    if len(rows) > 1:
        base = rows[0]
        line(
            "report (db) time vs 1x / data vs 1x",
            lambda r: (
                f"{r['report_db_s'] / base['report_db_s']:.1f}x / "
                f"{r['polls'] / base['polls']:.1f}x"
            ),
        )
    return "\n".join(lines)


# --- latency: engine, API trigger -> Complete, `storemon report` -------------------


def _report_status(client, report_id: str) -> dict:
    """A report's status as the API answers it in JSON (``status``, ``html_ready``, ...)."""
    return client.get(
        "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
    ).json()


def _wait_complete(client, report_id: str) -> float:
    """Poll the API every 20 ms until the report is done; return the seconds it took."""
    started = time.perf_counter()
    while True:
        body = _report_status(client, report_id)
        if body["status"] != "Running":
            if body["status"] != "Complete":
                raise SystemExit(f"report failed: {body}")
            return time.perf_counter() - started
        time.sleep(0.02)


class ApiRun(NamedTuple):
    """What :func:`api_latency` measured."""

    times: list[float]  # each report's trigger -> Complete (s)
    waits: list[float]  # each report's trigger -> picked by a runner (s)
    cpu: float  # CPU seconds the machine spent per report, tail and kernel replacement included
    processes: int  # the server's processes afterwards (runners and their warm kernels)
    memory_mib: float  # their unique memory (USS) together


def api_latency(database: str, reports: int) -> ApiRun:
    """Trigger -> Complete of ``reports`` sequential reports on a real API server.

    Returns:
        The times, and what the server holds once idle again (every runner started).
    """
    import httpx

    sys.path.insert(0, str(ROOT / "tests"))
    from live_servers import free_port, wait_for

    port = free_port()
    code = (
        "import sys; from storemon.service.serve import serve; "
        "serve(port=int(sys.argv[1]), source=sys.argv[2], reports_dir=sys.argv[3], "
        "log_level='warning')"
    )
    reports_dir = BENCH_DATA / "latency-reports"
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(port), database, str(reports_dir)], cwd=ROOT
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

            def up() -> bool:
                try:
                    return client.get("/reports").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for(up, 60, "the API server")
            first = client.post("/trigger_report").json()["report_id"]
            _wait_complete(client, first)
            # a server that has been up a while: the first report's tail done, its pool warm
            wait_for(lambda: _html_ready(client, first), 300, "the first report's tail")
            _until_idle()
            busy = _busy_seconds()
            times, ids = [], []
            for _ in range(reports):
                started = time.perf_counter()
                report_id = client.post("/trigger_report").json()["report_id"]
                _wait_complete(client, report_id)
                times.append(time.perf_counter() - started)
                ids.append(report_id)
            for report_id in ids:  # every tail (the HTML last), then the kernels' refills
                wait_for(lambda r=report_id: _html_ready(client, r), 300, "the reports' tails")
            _until_idle()
            cpu = (_busy_seconds() - busy) / reports
            print(_breakdown(reports_dir, ids), file=sys.stderr)
            processes, memory = _tree_memory(server.pid)
            return ApiRun(times, _waits(reports_dir, ids), cpu, processes, memory)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def _html_ready(client, report_id: str) -> bool:
    """Whether a report's HTML copy is written (the last step of its tail)."""
    return bool(_report_status(client, report_id).get("html_ready"))


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (not idle, waiting or stolen)."""
    import psutil

    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq


def _until_idle(busy_share: float = 0.05, timeout: float = 120) -> None:
    """Wait until the machine is idle: under ``busy_share`` of one core busy for a second.

    Raises:
        SystemExit: Still busy after ``timeout`` seconds (something else runs here: the CPU
            per report would count its work too).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = _busy_seconds()
        time.sleep(1)
        if _busy_seconds() - before < busy_share:
            return
    raise SystemExit(
        f"the machine stayed busy for {timeout:g} s (over {busy_share:.0%} of a core): stop "
        "what else runs here, then measure again"
    )


def _tree_memory(pid: int) -> tuple[int, float]:
    """A process and its descendants: how many, and their unique memory (USS, MiB) together."""
    import psutil

    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    return len(processes), sum(p.memory_full_info().uss for p in processes) / 2**20


def _job_steps(reports_dir: Path, report_id: str) -> list[tuple[float, str]]:
    """A report's steps marked in its log, as seconds since its trigger (storemon.jobs.timing)."""
    from datetime import datetime

    from storemon.jobs.timing import read_steps

    job_dir = reports_dir / report_id
    created = json.loads((job_dir / "status.json").read_text())["created"]
    return read_steps(job_dir, datetime.fromisoformat(created.replace("Z", "+00:00")))


def _waits(reports_dir: Path, report_ids: list[str]) -> list[float]:
    """Seconds from each report's trigger until a runner picked it.

    Raises:
        SystemExit: A report's log holds no such step (a server without storemon.jobs.timing's
            marks).
    """
    picked = "worker: job picked"
    waits = []
    for report_id in report_ids:
        steps = [seconds for seconds, step in _job_steps(reports_dir, report_id) if step == picked]
        if not steps:
            raise SystemExit(
                f"report {report_id} has no {picked!r} step in {reports_dir / report_id}: "
                "its server marks no steps"
            )
        waits.append(steps[0])
    return waits


def _breakdown(reports_dir: Path, report_ids: list[str]) -> str:
    """Median seconds from the trigger to each step marked in the logs (storemon.jobs.timing)."""
    at: dict[str, list[float]] = {}
    for report_id in report_ids:
        for seconds, step in _job_steps(reports_dir, report_id):
            at.setdefault(step, []).append(seconds)
    lines = ["  trigger -> step, median of the timed reports (s):"]
    for step, values in sorted(at.items(), key=lambda item: sorted(item[1])[len(item[1]) // 2]):
        lines.append(f"    {sorted(values)[len(values) // 2]:6.2f}  {step} (x{len(values)})")
    return "\n".join(lines)


def cli_seconds(database: str, early_kernel: bool) -> tuple[float, float]:
    """One ``storemon report``: seconds until it printed the CSV's path, and until it exited.

    With ``early_kernel`` the real command (``storemon report --db``); without, the same job
    with its kernel started only when the notebook runs.
    """
    env = {**os.environ, "STOREMON_REPORTS_DIR": str(BENCH_DATA / "latency-reports")}
    command = [str(Path(sys.executable).with_name("storemon")), "report", "--db", database]
    if not early_kernel:
        code = (
            "import sys; from storemon.jobs import describe_status, run_report_job; "
            "run_report_job(sys.argv[1], early_kernel=False, "
            "on_complete=lambda r: print(describe_status(r), flush=True))"
        )
        command = [sys.executable, "-c", code, database]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    printed = None
    for line in process.stdout:
        if "csv:" in line and printed is None:
            printed = time.perf_counter() - started
    if process.wait() != 0 or printed is None:
        raise SystemExit("storemon report failed")
    return printed, time.perf_counter() - started


def bench_latency(reports: int) -> str:
    """Measure engine, API and command-line report times on the 1x fleet; a markdown table."""
    out, database = str(BENCH_DATA / "1x"), str(BENCH_DATA / "1x-latency.duckdb")
    if not Path(out, "store_status.csv").exists():
        run_phase("generate", out=out, stores=REAL_STORES)
    if not is_current(Path(database)):  # an older schema's is brought up to date
        run_phase("ingest", out=out, database=database)
    engine = sorted(run_phase("report_db", database=database)["seconds"] for _ in range(3))[1]
    run = api_latency(database, reports)
    api, waits, cpu = sorted(run.times), run.waits, run.cpu
    p50, p95 = api[len(api) // 2], api[min(len(api) - 1, round(0.95 * (len(api) - 1)))]
    cold_csv, cold = cli_seconds(database, False)
    early_csv, early = cli_seconds(database, True)
    goal = max(3 * engine, 1.5)
    rows = [
        ("engine: compute_report on the database (median of 3)", f"{engine:.2f} s"),
        (f"API trigger -> Complete, p50 of {reports} sequential", f"{p50:.2f} s"),
        (f"API trigger -> Complete, p95 of {reports} sequential", f"{p95:.2f} s"),
        ("API p50 / engine", f"{p50 / engine:.1f}x (goal: p50 <= {goal:.2f} s)"),
        ("API trigger -> picked by a runner, longest", f"{max(waits):.2f} s"),
        (
            "CPU per API report: compute, tail, its kernel's replacement",
            f"{cpu:.1f} s ({CORES} cores: one report per {cpu / CORES:.1f} s at most)",
        ),
        (
            "API server idle after the reports: processes, unique memory",
            f"{run.processes} (the server, its runners and their warm kernels), "
            f"{run.memory_mib:,.0f} MiB",
        ),
        ("`storemon report`: CSV path printed / exited", f"{early_csv:.1f} s / {early:.1f} s"),
        ("same, kernel started when needed", f"{cold_csv:.1f} s / {cold:.1f} s"),
    ]
    print(f"  API runs: {[round(t, 2) for t in api]}", file=sys.stderr)
    print(f"  waits for a runner: {[round(t, 2) for t in waits]}", file=sys.stderr)
    return "\n".join(["| 14,092 stores | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def bench_dashboard(scales: list[int], repeat: int) -> str:
    """The dashboard in Chromium over each scale's database (bench/dashboard_bench.py)."""
    rows = {}
    for scale in scales:
        out, database = str(BENCH_DATA / f"{scale}x"), BENCH_DATA / f"{scale}x-dashboard.duckdb"
        if not Path(out, "store_status.csv").exists():
            run_phase("generate", out=out, stores=REAL_STORES * scale)
        if not is_current(database):
            run_phase("ingest", out=out, database=str(database))
        work = BENCH_DATA / f"{scale}x-dashboard"
        rows[f"{REAL_STORES * scale:,} stores"] = dashboard_bench.measure(
            str(database), work, repeat
        )
    return dashboard_bench.render(rows)


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the scales, print the table (and write it with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--sample", type=int, default=30, help="stores timed by brute force")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast phases")
    parser.add_argument("--latency", action="store_true", help="the report latency table only")
    parser.add_argument("--reports", type=int, default=5, help="API reports timed (--latency)")
    parser.add_argument("--living", action="store_true", help="hourly drops on 1/4/12 weeks")
    parser.add_argument("--trend", action="store_true", help="trends on 4 weeks, per scale")
    parser.add_argument("--dashboard", action="store_true", help="the dashboard in Chromium")
    parser.add_argument("--stores", type=int, default=REAL_STORES, help="stores (--living)")
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 4, 12], help="(--living)")
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="PAGE",
        help="also write the table into PAGE's block <!-- bench:NAME -->",
    )
    args = parser.parse_args(argv)
    BENCH_DATA.mkdir(parents=True, exist_ok=True)
    if args.latency:
        name, table = "latency", bench_latency(args.reports)
    elif args.dashboard:
        name, table = "dashboard", bench_dashboard(args.scales, args.repeat)
    elif args.trend:
        rows = [
            trend_bench.bench_trend(run_phase, BENCH_DATA, s, REAL_STORES * s, args.repeat)
            for s in args.scales
        ]
        name, table = "trend", trend_bench.render_trend(rows)
    elif args.living:
        name, table = "living", render_living(bench_living(args.stores, args.weeks, args.repeat))
    else:
        rows = [bench_scale(scale, args.sample, args.repeat) for scale in args.scales]
        name, table = "scales", render(rows)
    where = machine()
    print(f"machine: {where}")
    print(table)
    if args.markdown is not None:
        write_block(args.markdown, name, table, command_line(), where)
        print(f"written into {args.markdown} (block {name})", file=sys.stderr)


if __name__ == "__main__":
    main()
