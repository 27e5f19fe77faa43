"""Input a user can get wrong, refused with one sentence wherever it is taken; a closed pipe.

``as_of`` before any poll (the first week of year 1 used to overflow inside the report), an
age too long for ``reports prune``, a CSV file given where the folder that holds it belongs,
and ``storemon ... | head``: each through every entry point that takes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from storemon import cli, compute_report
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.engine.partition import partitioned_report
from storemon.engine.timeline import store_timeline
from storemon.errors import StoremonError
from storemon.jobs import create_job
from storemon.jobs.retention import parse_age, prune_reports
from storemon.synthetic.generate import generate

YEAR_ONE = "0001-01-03T00:00:00Z"
BEFORE_ANY_POLL = [YEAR_ONE, "0001-01-01T00:00:00+05:00", "1999-12-31T23:59:59Z"]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 stores over 8 days ingested with a 3-day hot window: older polls in the archive."""
    folder = tmp_path_factory.mktemp("archived")
    generate(folder / "raw", stores=20, days=8, seed=3)
    database = folder / "storemon.duckdb"
    ingest(folder / "raw", database, options=LoadOptions(retention_days=3))
    return database


# --------------------------------------------------------------------------- as_of


@pytest.mark.parametrize("as_of", BEFORE_ANY_POLL)
def test_as_of_before_any_poll_is_refused_in_the_library(archived: Path, as_of: str):
    for compute in (
        lambda: compute_report(archived, as_of=as_of),
        lambda: compute_report(archived.parent / "raw", as_of=as_of),
        lambda: store_timeline(archived, "1", as_of=as_of),
        lambda: partitioned_report(archived, 2, scheduler="tcp://127.0.0.1:9", as_of=as_of),
    ):
        with pytest.raises(StoremonError, match="is before 2000-01-01: no poll is that old"):
            compute()


@pytest.mark.parametrize("as_of", BEFORE_ANY_POLL)
def test_as_of_before_any_poll_is_refused_before_a_job_exists(
    archived: Path, tmp_path: Path, as_of: str, capsys: pytest.CaptureFixture
):
    reports = tmp_path / "reports"
    with pytest.raises(StoremonError, match="is before 2000-01-01"):
        create_job(reports, archived, as_of)
    assert cli.main(["report", "--db", str(archived), "--as-of", as_of]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"storemon: error: as_of '{as_of}' is before 2000-01-01")
    assert err.count("\n") == 1
    assert not reports.exists()


def test_an_offset_past_the_end_of_the_calendar_is_not_an_instant():
    with pytest.raises(StoremonError, match="is not a valid instant"):
        compute_report(FIXTURES / "export_2024", as_of="9999-12-31T23:00:00-05:00")
    # the latest instant there is stays a report: of the latest poll
    assert len(compute_report(FIXTURES / "export_2024", as_of="9999-12-31T23:59:59Z")) == 2


# --------------------------------------------------------------------------- reports prune


@pytest.mark.parametrize("age", ["99999999999d", "36501d", "876001h", "5215w", "9" * 5000 + "h"])
def test_an_age_longer_than_any_report_is_refused(tmp_path: Path, age: str, capsys):
    with pytest.raises(StoremonError, match="is longer than any report can be old"):
        parse_age(age)
    (tmp_path / "reports").mkdir()
    argv = ["reports", "prune", "--older-than", age, "--reports-dir", str(tmp_path / "reports")]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("storemon: error: ") and err.count("\n") == 1
    assert "give at most 36500d" in err and "give 0h" in err and len(err) < 300


def test_the_longest_age_prunes_nothing_it_should_not(tmp_path: Path):
    reports = tmp_path / "reports"
    create_job(reports, FIXTURES / "export_2024")  # queued by this process: never removed
    assert prune_reports(reports, parse_age("36500d")) == []
    assert prune_reports(reports, parse_age("0h")) == []  # still Running


# --------------------------------------------------------------------------- a CSV file as data


def test_a_csv_file_given_as_the_data_folder_names_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture
):
    csv = FIXTURES / "export_2024" / "store_status.csv"
    said = f"{csv} is a file, not a folder of CSV exports: give the folder that holds the exports"
    for argv in (
        ["ingest", "--data", str(csv), "--db", str(tmp_path / "x.duckdb")],
        ["ingest", "--watch", str(csv), "--db", str(tmp_path / "x.duckdb"), "--every", "1"],
        ["report", "--data", str(csv)],
        ["report", "--db", str(csv)],
        ["serve", "--data", str(csv), "--port", "9", "--dashboard-port", "9"],
    ):
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith(f"storemon: error: {said}"), (argv, err)
        assert f"(e.g. {csv.parent})" in err and err.count("\n") == 1
    with pytest.raises(StoremonError, match="is a file, not a folder of CSV exports"):
        compute_report(csv)
    with pytest.raises(StoremonError, match="is a file, not a folder of CSV exports"):
        create_job(tmp_path / "reports", csv)
    assert not (tmp_path / "x.duckdb").exists() and not (tmp_path / "reports").exists()


# --------------------------------------------------------------------------- a closed pipe


@pytest.mark.parametrize(
    "argv",
    [["status", "--db", str(FIXTURES / "export_2024")], ["--help"], ["reports", "--help"]],
)
def test_a_closed_stdout_ends_the_command_quietly(argv: list[str]):
    """``storemon status | head``: the reader is gone before the command writes."""
    command = subprocess.Popen(
        [sys.executable, "-m", "storemon.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": ""},
    )
    command.stdout.close()  # as `head` exits
    err = command.stderr.read().decode()
    command.stderr.close()
    code = command.wait(60)
    assert err == "", err
    assert code in (0, 141)  # 141: as a Unix tool killed by SIGPIPE
    if argv[0] == "status":
        assert code == 141
