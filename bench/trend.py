"""Trend benchmark: 4 weekly and 28 daily points against one report, on 4 weeks of history.

``python bench/benchmark.py --trend [--scales 1 10] [--repeat 5]`` (also a part of ``make
bench``). For each scale, a fleet polled over 4 weeks (and an hour) is generated once, split
into its weeks and loaded week by week (as hourly drops would) into two databases: one keeping
the default 21 days hot, so that the oldest week of the trends is read back from the Parquet
archive, and one keeping all 4 weeks hot (``--retention 35``). On each, ``compute_report``,
``compute_trend(window="week", periods=4)`` and ``compute_trend(window="day", periods=28)`` run
in turn, each in a fresh process, ``--repeat`` rounds (a busy machine slows the three alike);
the table gives the medians of wall and CPU time, the median trend / report ratios of the
rounds, and the largest resident set of the processes. CPU time (of all threads) is the work
done: on a machine that others share it varies far less than wall time.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from kept import is_current

WEEKS = 4
HOT_ALL_DAYS = 35  # retention that keeps the whole history hot
DEFAULT_HOT_DAYS = 21  # storemon.config.DEFAULT_RETENTION_DAYS

PHASES = {
    "generate_history": (
        "from storemon.synthetic.generate import generate",
        "generate(out, stores=stores, days=days, seed=7)",
    ),
    "split_weeks": (
        "from storemon.engine import db\ncon = db.connect()",
        """
import datetime as dt, pathlib
src = f"{out}/all/store_status.csv"
first = con.execute(
    "select min(strptime(timestamp_utc, ['%Y-%m-%d %H:%M:%S.%f UTC', '%Y-%m-%d %H:%M:%S UTC']))"
    " from read_csv($f, all_varchar = true)", {"f": src}
).fetchone()[0]
for week in range(weeks):
    lo = first + dt.timedelta(days=7 * week)
    hi = lo + dt.timedelta(days=7) if week < weeks - 1 else dt.datetime(9999, 1, 1)
    con.execute(
        "copy (select * from read_csv($f, all_varchar = true) where strptime(timestamp_utc, "
        "['%Y-%m-%d %H:%M:%S.%f UTC', '%Y-%m-%d %H:%M:%S UTC']) >= $lo and strptime("
        "timestamp_utc, ['%Y-%m-%d %H:%M:%S.%f UTC', '%Y-%m-%d %H:%M:%S UTC']) < $hi) to "
        f"'{out}/weeks/store_status_week{week + 1}.csv' (header, quote '')",
        {"f": src, "lo": lo, "hi": hi},
    )
""",
    ),
    "ingest_weeks": (
        "import shutil, pathlib\n"
        "from storemon.engine.ingest import ingest\n"
        "from storemon.engine.incremental import LoadOptions",
        """
live = pathlib.Path(live)
live.mkdir(parents=True, exist_ok=True)
for name in ("menu_hours.csv", "timezones.csv"):
    shutil.copy(f"{out}/all/{name}", live / name)
for week in range(weeks):
    name = f"store_status_week{week + 1}.csv"
    shutil.copy(f"{out}/weeks/{name}", live / name)
    ingest(live, database, options=LoadOptions(retention_days=retention))
""",
    ),
    "trend_week": (
        "from storemon import compute_trend",
        "trend = compute_trend(database, window='week', periods=4)",
    ),
    "trend_day": (
        "from storemon import compute_trend",
        "trend = compute_trend(database, window='day', periods=28)",
    ),
}
TIMED = {"report": "report_db", "week4": "trend_week", "day28": "trend_day"}


def bench_trend(
    run_phase: Callable[..., dict[str, float]],
    bench_data: Path,
    scale: int,
    stores: int,
    repeat: int,
) -> dict[str, object]:
    """The trend figures of one scale: medians, ratios and peak memory, per database."""
    out = bench_data / f"trend-{scale}x"
    if not (out / "all" / "store_status.csv").exists():
        run_phase("generate_history", out=str(out / "all"), stores=stores, days=7 * WEEKS + 1 / 24)
    if not (out / f"weeks/store_status_week{WEEKS}.csv").exists():
        (out / "weeks").mkdir(exist_ok=True)
        run_phase("split_weeks", out=str(out), weeks=WEEKS)
    figures: dict[str, object] = {"scale": scale, "stores": stores}
    figures["polls"] = sum(1 for _ in open(out / "all" / "store_status.csv", "rb")) - 1
    for label, retention in (("archive", DEFAULT_HOT_DAYS), ("hot", HOT_ALL_DAYS)):
        live = out / f"live-{retention}d"
        database = live / "storemon.duckdb"
        if not is_current(database):
            run_phase(
                "ingest_weeks",
                out=str(out),
                live=str(live),
                database=str(database),
                weeks=WEEKS,
                retention=retention,
            )
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in TIMED}
        for _ in range(repeat):
            for name, phase in TIMED.items():
                runs[name].append(run_phase(phase, database=str(database)))
        for name, results in runs.items():
            figures[f"{label}_{name}_s"] = statistics.median(r["seconds"] for r in results)
            figures[f"{label}_{name}_cpu"] = statistics.median(r["cpu_seconds"] for r in results)
            figures[f"{label}_{name}_mib"] = max(r["peak_mib"] for r in results)
        for name in ("week4", "day28"):
            for measure, key in (("ratio", "seconds"), ("cpu_ratio", "cpu_seconds")):
                ratios = [
                    trend[key] / report[key]
                    for trend, report in zip(runs[name], runs["report"], strict=True)
                ]
                figures[f"{label}_{name}_{measure}"] = statistics.median(ratios)
    print(f"  measured trend {scale}x: {figures}", file=sys.stderr)
    return figures


def render_trend(rows: list[dict[str, object]]) -> str:
    """The trend figures as a markdown table (one column per scale)."""
    lines = [
        "| 4 weeks of history | " + " | ".join(f"{r['scale']}x" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]

    def line(label: str, cell: Callable[[dict], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in rows) + " |")

    line("stores / polls", lambda r: f"{r['stores']:,} / {r['polls']:,}")
    for label, what in (
        ("hot", f"all {WEEKS} weeks hot (`--retention {HOT_ALL_DAYS}`)"),
        ("archive", f"{DEFAULT_HOT_DAYS} days hot, the oldest week in the archive (default)"),
    ):
        line(
            f"{what}: one report",
            lambda r, k=label: (
                f"{r[f'{k}_report_s']:.2f} s (CPU {r[f'{k}_report_cpu']:.2f} s), "
                f"{r[f'{k}_report_mib']:,.0f} MiB"
            ),
        )
        for name, points in (("week4", "4 weekly points"), ("day28", "28 daily points")):
            line(
                f"{what}: {points}",
                lambda r, k=label, n=name: (
                    f"{r[f'{k}_{n}_s']:.2f} s, **{r[f'{k}_{n}_ratio']:.2f}x** the report "
                    f"(CPU {r[f'{k}_{n}_cpu']:.2f} s, {r[f'{k}_{n}_cpu_ratio']:.2f}x), "
                    f"{r[f'{k}_{n}_mib']:,.0f} MiB"
                ),
            )
    return "\n".join(lines)
