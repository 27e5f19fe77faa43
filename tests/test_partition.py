"""Partitioned reports on Dask (issue 9): the same CSV as the single-process report.

Real components throughout: databases made by ``ingest``, the Parquet export, a real
``distributed.LocalCluster`` of 2 worker processes reached by its scheduler's address, and the
brute-force reference (tests/reference.py) as the independent check.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest
from cases import report_differences, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from partition_kit import ingested_fleet, local_cluster
from test_random_vs_reference import scenarios
from test_reference_cases import CASES

from storemon import cli
from storemon.engine import db
from storemon.engine.ingest import ingest
from storemon.engine.partition import (
    BUCKETS,
    PartitionTask,
    export_partitions,
    partition_buckets,
    partitioned_report,
    plan_report,
    report_partition,
    store_bucket,
)
from storemon.engine.partition_task import archive_reader, open_partition
from storemon.engine.report import compute_report, report_csv_bytes
from storemon.errors import StoremonError
from storemon.synthetic.generate import PINNED_END, generate

PARTITIONS = (1, 2, 3, 7)


# --------------------------------------------------------------------------- fast: the hash


def test_bucket_is_the_same_in_python_and_sql() -> None:
    ids = ["1000029819076171326", "9999999999999999999", "a", "", "störe-ü", "x" * 40]
    ids += [str(10**18 + 7919 * i) for i in range(500)]
    con = db.connect()
    con.execute("create temp table stores (store_key integer, store_id varchar)")
    con.executemany("insert into stores values (?, ?)", list(enumerate(ids)))
    db.run_stage(con, "partition", buckets=BUCKETS)
    in_sql = dict(con.execute("select store_key, bucket from partition_keys").fetchall())
    assert [in_sql[key] for key in range(len(ids))] == [store_bucket(i) for i in ids]
    # a documented hash, not an implementation's: pinned values
    assert store_bucket("1000029819076171326") == 37
    assert len({store_bucket(i) for i in ids}) > BUCKETS * 0.9


def test_partitions_split_the_buckets_exactly() -> None:
    for partitions in (*PARTITIONS, BUCKETS):
        parts = [partition_buckets(p, partitions) for p in range(partitions)]
        assert sorted(b for part in parts for b in part) == list(range(BUCKETS))


def test_memory_budget_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "300MiB")
    con = db.connect()
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "300.0 MiB"
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "50%")
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert db.memory_budget()["memory_limit"] == f"{machine // 2 // 2**20}MiB"
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "lots")
    with pytest.raises(StoremonError, match="memory budget"):
        db.connect()
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "150%")
    with pytest.raises(StoremonError, match="share"):
        db.connect()


def test_only_a_database_file_is_checkpointed_as_it_grows(tmp_path: Path) -> None:
    """An in-memory database is thrown away after one computation: checkpoints would be waste."""

    def threshold(con) -> str:
        return con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]

    assert threshold(db.connect()) == db.IN_MEMORY_CHECKPOINT_THRESHOLD
    on_file = db.connect(tmp_path / "a.duckdb")
    try:
        assert threshold(on_file) == "16.0 MiB"  # DuckDB's default: the WAL stays short
    finally:
        on_file.close()


def test_default_memory_budget_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    gib = 2**30
    # a quiet 24 GiB machine: 60 % of it; a busy one (the 100x ingest OOM-killed at a 14.1 GiB
    # default): 75 % of what is available, less 1 GiB for DuckDB's overshoot
    assert db.default_memory_limit(24 * gib, 22 * gib) == int(24 * gib * 0.6)
    assert db.default_memory_limit(24 * gib, 12 * gib) == 8 * gib
    assert db.default_memory_limit(4 * gib, int(0.5 * gib)) == db.MIN_MEMORY
    # measured once per process, from what psutil says at the first connection
    seen = psutil.virtual_memory()._replace(total=24 * gib, available=12 * gib)
    monkeypatch.setattr(db.psutil, "virtual_memory", lambda: seen)
    db.default_memory_bytes.cache_clear()
    try:
        assert db.default_memory_bytes() == 8 * gib
    finally:
        db.default_memory_bytes.cache_clear()
    monkeypatch.delenv(db.MEMORY_LIMIT_VARIABLE, raising=False)
    default = db.memory_budget()["memory_limit"]
    assert default == f"{db.default_memory_bytes() // 2**20}MiB"
    assert db.connect().execute("select current_setting('memory_limit')").fetchone()[0] != "0"
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "1GiB")  # the setting still overrides it
    assert db.memory_budget()["memory_limit"] == "1GiB"


@pytest.mark.slow
def test_a_report_within_a_small_budget_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "raw", stores=400, days=8, seed=5, end=PINNED_END)
    database = tmp_path / "s.duckdb"
    ingest(tmp_path / "raw", database)
    expected = report_csv_bytes(compute_report(database))
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "40MiB")
    monkeypatch.setenv(db.THREADS_VARIABLE, "1")
    monkeypatch.setenv(db.TEMP_DIR_VARIABLE, str(tmp_path / "spill"))
    assert report_csv_bytes(compute_report(database)) == expected


# --------------------------------------------------------------------------- on a real cluster


@pytest.fixture(scope="module")
def scheduler() -> str:
    """A LocalCluster of 2 worker processes, reached by its address like a remote one."""
    with local_cluster() as address:
        yield address


def _database(folder: Path, tmp: Path) -> Path:
    database = tmp / "cases.duckdb"
    ingest(folder, database)
    return database


def _check_all_partitions(database: Path, as_of, method: str, scheduler: str, counts) -> bytes:
    """The partitioned CSV for each count equals the single-process one; return that one."""
    try:
        single = report_csv_bytes(compute_report(database, as_of=as_of, method=method))
    except StoremonError as error:
        for partitions in counts:
            with pytest.raises(StoremonError, match=str(error)[:30]):
                partitioned_report(database, partitions, scheduler, as_of, method)
        return b""
    for partitions in counts:
        report = partitioned_report(database, partitions, scheduler, as_of, method)
        assert report_csv_bytes(report) == single, f"{partitions} partitions"
    return single


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_partitioned_equals_single_and_reference_on_cases(
    name: str, scheduler: str, tmp_path: Path
) -> None:
    case = CASES[name]()
    database = _database(write_dataset(case.data, tmp_path / "data"), tmp_path)
    for method, counts in (("nearest", PARTITIONS), ("carry_forward", (7,))):
        _check_all_partitions(database, case.as_of, method, scheduler, counts)
        report = partitioned_report(database, 3, scheduler, case.as_of, method)
        problems = report_differences(report, case.data.reference(case.as_of, method))
        assert not problems, f"{name}/{method}:\n" + "\n".join(problems)


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("STOREMON_PARTITION_EXAMPLES", "6")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios(), partitions=st.sampled_from(PARTITIONS))
def test_partitioned_equals_single_and_reference_on_random_data(
    scenario, partitions: int, scheduler: str
) -> None:
    data, as_of, method = scenario
    with tempfile.TemporaryDirectory() as folder:
        database = _database(write_dataset(data, Path(folder) / "data"), Path(folder))
        _check_all_partitions(database, as_of, method, scheduler, (partitions,))
        report = partitioned_report(database, partitions, scheduler, as_of, method)
    problems = report_differences(report, data.reference(as_of, method))
    assert not problems, f"as_of={as_of} method={method}\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated fleet of 600 stores, ingested."""
    return ingested_fleet(
        tmp_path_factory.mktemp("fleet"), stores=600, seed=21, name="fleet.duckdb"
    )


@pytest.mark.slow
def test_generated_fleet_every_partition_reads_only_its_buckets(
    fleet: Path, scheduler: str
) -> None:
    _check_all_partitions(fleet, None, "nearest", scheduler, PARTITIONS)
    export = export_partitions(fleet)
    stores = (
        duckdb.connect()
        .sql(
            f"select store_id, bucket from read_parquet('{export}/stores/*/*.parquet', "
            "hive_partitioning = true)"
        )
        .fetchall()
    )
    assert len(stores) == 600 and all(store_bucket(s) == int(b) for s, b in stores)
    for part in range(3):
        task = PartitionTask(str(export), part, 3, _now(fleet), "nearest")
        rows = report_partition(task).report
        assert {store_bucket(s) % 3 for s in rows["store_id"]} == {part}


def _now(database: Path):
    import pandas as pd

    return pd.Timestamp(compute_report(database).attrs["now"]).tz_convert(None).to_pydatetime()


def die_once(task: PartitionTask):
    """A partition whose worker process dies the first time it runs partition 1."""
    marker = Path(task.export).parent / "killed-once"
    if task.part == 1 and not marker.exists():
        marker.touch()
        os._exit(1)
    return report_partition(task)


def die_always(task: PartitionTask):
    """A partition whose worker process dies every time it runs partition 1."""
    if task.part == 1:
        os._exit(1)
    return report_partition(task)


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried_to_the_same_csv(fleet: Path, scheduler: str) -> None:
    single = report_csv_bytes(compute_report(fleet))
    report = partitioned_report(fleet, 3, scheduler, task=die_once)
    assert (fleet.parent / "fleet-partitions" / "killed-once").exists()
    assert report_csv_bytes(report) == single


@pytest.mark.slow
def test_a_worker_dying_every_time_fails_the_report_with_its_reason(fleet: Path) -> None:
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with pytest.raises(StoremonError, match="worker died"):
            partitioned_report(fleet, 3, None, task=die_always)


@pytest.mark.slow
def test_cli_partitioned_report_writes_the_same_csv(
    fleet: Path, scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "p.csv"
    args = ["report", "--db", str(fleet), "--partitions", "2", "--scheduler", scheduler]
    assert cli.main([*args, "--out", str(out)]) in (0, None)
    assert out.read_bytes() == report_csv_bytes(compute_report(fleet))
    assert "2 partition(s)" in capsys.readouterr().out


def test_cli_partitioned_report_refuses_raw_csvs_and_bad_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    generate(tmp_path / "raw", stores=20, days=2, seed=1, end=PINNED_END)
    ingest(tmp_path / "raw", tmp_path / "x.duckdb")
    out = tmp_path / "never.csv"
    for extra in (["--data", str(tmp_path / "raw")], ["--db", str(tmp_path / "x.duckdb")]):
        partitions = "0" if extra[0] == "--db" else "2"
        code = cli.main(["report", *extra, "--partitions", partitions, "--out", str(out)])
        assert code not in (0, None)
        assert "storemon: error:" in capsys.readouterr().err
    assert not out.exists()


@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


@pytest.fixture(scope="module")
def small_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    generate(folder / "raw", stores=20, days=2, seed=1)
    ingest(folder / "raw", folder / "small.duckdb")
    return folder / "small.duckdb"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("silent", "accepted a connection but did not answer as a Dask scheduler within 2 s"),
        ("garbage", "'garbage' is not a Dask scheduler address"),
        ("tcp://127.0.0.1", "'tcp://127.0.0.1' is not a Dask scheduler address"),
    ],
)
def test_a_scheduler_address_that_is_not_a_scheduler_is_one_sentence(
    given: str, says: str, small_database: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import dask
    import distributed  # noqa: F401 - its config defaults first, so that the block restores them

    out = tmp_path / "never.csv"
    timeout = {"distributed.comm.timeouts.connect": "2s"}  # Dask's own setting (docs/scaling.md)
    with silent_server() as silent, dask.config.set(timeout):
        address = silent if given == "silent" else given
        started = time.monotonic()
        argv = ["report", "--db", str(small_database), "--partitions", "2", "--out", str(out)]
        code = cli.main([*argv, "--scheduler", address])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1 and elapsed < 15
    assert err.startswith("storemon: error: ") and err.count("\n") == 1, err
    assert says in err and address in err and "8786" in err  # what to check: the port
    assert "Traceback" not in err and not out.exists()


def test_a_report_without_a_scheduler_does_not_import_dask() -> None:
    """Every report notebook's kernel imports storemon.analysis.reading; Dask is loaded only
    when a partitioned report reaches a scheduler (about 0.1 s of each kernel's start)."""
    code = (
        "import sys, storemon, storemon.analysis.reading, storemon.engine.partition; "
        "storemon.compute_report; print(' '.join(m for m in sys.argv[1:] if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "storemon.engine.dask_scheduler", "dask", "distributed"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["storemon.engine.dask_scheduler"]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 days of 60 stores ingested with a 2-day hot window: 8 days of polls in the archive."""
    folder = tmp_path_factory.mktemp("archived")
    generate(folder / "raw", stores=60, days=12, seed=4, end=PINNED_END)
    database = folder / "arch.duckdb"
    argv = ["ingest", "--data", str(folder / "raw"), "--db", str(database)]
    assert cli.main([*argv, "--retention", "2"]) == 0
    return database


def _archive_span(database: Path) -> tuple[pd.Timestamp, pd.Timestamp]:
    files = f"{database.parent}/arch-archive/**/*.parquet"
    lo, hi = (
        duckdb.connect()
        .sql(f"select min(timestamp_utc), max(timestamp_utc) from read_parquet('{files}')")
        .fetchall()[0]
    )
    return pd.Timestamp(lo), pd.Timestamp(hi)


@pytest.mark.slow
def test_a_week_in_the_archive_runs_partitioned_and_equals_one_process(
    archived: Path, scheduler: str
) -> None:
    lo, hi = _archive_span(archived)
    cutoff = pd.Timestamp(hi).ceil("D")
    instants = [
        hi - pd.Timedelta(hours=3),  # the whole week in the archive
        cutoff + pd.Timedelta(days=1),  # the week across the hot window's start
        lo + pd.Timedelta(days=1, hours=5),  # the week before the archive's first days too
    ]
    for instant in instants:
        as_of = instant.isoformat()
        for method in ("nearest", "carry_forward"):
            single = _check_all_partitions(archived, as_of, method, scheduler, (2, 3))
            assert single.count(b"\n") > 50, f"{as_of}: a report of the fleet"


@pytest.mark.slow
def test_a_worker_reads_only_its_stores_archived_polls(archived: Path) -> None:
    lo, hi = _archive_span(archived)
    export = export_partitions(archived)
    con = db.connect(archived, read_only=True)
    try:
        plan = plan_report(con, archived, None)
    finally:
        con.close()
    assert plan.archive is not None and len(plan.archive.paths) == 8
    every = (
        duckdb.connect()
        .sql(f"select store_id, timestamp_utc from read_parquet({list(map(str, _files(plan)))})")
        .df()
    )
    for part in range(3):
        task = PartitionTask(str(export), part, 3, plan.now, "nearest", plan.archive)
        worker = open_partition(task)
        try:
            read = archive_reader(worker, task)
            assert read(worker, None, plan.archive.cutoff_us, None)
            kept = worker.execute("select store_id from archive_polls").df()["store_id"]
        finally:
            worker.close()
        mine = every[[store_bucket(s) % 3 == part for s in every["store_id"]]]
        assert len(kept) == len(mine) > 0  # all of its stores' archived polls, no other
        assert sorted(kept) == sorted(mine["store_id"])


def _files(plan) -> list[Path]:
    return [Path(plan.archive.folder, path) for path in plan.archive.paths]


def test_a_file_opened_again_after_its_connection_spilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one DuckDB instance per file and process: its used temp directory must not be set again
    monkeypatch.setenv(db.MEMORY_LIMIT_VARIABLE, "40MiB")
    monkeypatch.setenv(db.TEMP_DIR_VARIABLE, str(tmp_path / "spill"))
    first = db.connect(tmp_path / "s.duckdb")
    first.execute("create temp table t as select md5(range::varchar) m from range(2000000)")
    assert first.execute("select count(distinct m) from t").fetchone()[0] == 2_000_000
    assert list((tmp_path / "spill").iterdir())  # it spilled
    second = db.connect(tmp_path / "s.duckdb")
    assert second.execute("select 1").fetchone() == (1,)
