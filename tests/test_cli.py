"""The `storemon` command end to end: generate, ingest, report (as a job), status, errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from storemon import __version__, compute_report
from storemon.analysis.metrics import fleet_summary
from storemon.engine.report import report_csv_bytes

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def storemon(
    *args: str, reports: Path, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "STOREMON_REPORTS_DIR": str(reports)}
    return subprocess.run(
        [sys.executable, "-m", "storemon.cli", *args],
        capture_output=True,
        text=True,
        check=check,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    reports = root / "reports"
    raw = root / "raw"
    storemon(
        "generate", "--out", str(raw), "--stores", "40", "--days", "3",
        "--end", "2024-11-06T00:00:00Z", reports=reports,
    )  # fmt: skip
    storemon("ingest", "--data", str(raw), "--db", str(root / "s.duckdb"), reports=reports)
    return root


@pytest.mark.slow
def test_generate_writes_the_three_exports(workspace):
    names = sorted(p.name for p in (workspace / "raw").iterdir())
    assert names == ["menu_hours.csv", "store_status.csv", "timezones.csv"]


@pytest.mark.slow
def test_report_runs_as_a_job_and_copies_the_csv(workspace):
    out = workspace / "copy.csv"
    result = storemon(
        "report", "--db", str(workspace / "s.duckdb"), "--out", str(out),
        reports=workspace / "reports",
    )  # fmt: skip
    report_id = re.search(rf"report ({UUID}): Complete", result.stdout).group(1)
    kept = workspace / "reports" / report_id / "report.csv"
    assert str(kept) in result.stdout
    expected = report_csv_bytes(compute_report(workspace / "s.duckdb"))
    assert kept.read_bytes() == expected == out.read_bytes()
    # where everything is, and what the report says
    assert f"  html: {kept.with_name('report.html')}\n" in result.stdout
    assert f"  copied to: {out}\n" in result.stdout
    summary = fleet_summary(pd.read_csv(out, dtype={"store_id": str}))
    assert result.stdout.endswith(
        f"  fleet: {summary.stores} stores, uptime {summary.uptime_share_last_week:.1f} % of "
        f"business hours last week, {summary.down_all_week} down all week\n"
    )

    status = storemon("status", report_id, reports=workspace / "reports")
    assert f"report {report_id}: Complete" in status.stdout


@pytest.mark.slow
def test_relative_paths_are_relative_to_the_working_directory(workspace, tmp_path):
    """Run outside the repository, ``--data exports`` reads ./exports, the folder checked."""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(workspace / "raw", elsewhere / "exports")
    reports = workspace / "reports"

    result = storemon(
        "report", "--data", "exports", "--out", "copy.csv", reports=reports, cwd=elsewhere
    )

    report_id = re.search(rf"report ({UUID}): Complete", result.stdout).group(1)
    record = json.loads((reports / report_id / "status.json").read_text())
    assert record["parameters"]["source"] == str(elsewhere / "exports")
    expected = report_csv_bytes(compute_report(elsewhere / "exports"))
    assert (elsewhere / "copy.csv").read_bytes() == expected


@pytest.mark.parametrize("option", ["--data", "--db"])
def test_a_missing_relative_source_is_refused_naming_it(option, tmp_path):
    result = storemon(
        "report", option, "missing", reports=tmp_path / "reports", cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"storemon: error: {tmp_path / 'missing'} does not exist")
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow
def test_report_from_raw_csvs_equals_report_from_database(workspace):
    from_csv = compute_report(workspace / "raw", method="carry_forward")
    from_db = compute_report(workspace / "s.duckdb", method="carry_forward")
    assert report_csv_bytes(from_csv) == report_csv_bytes(from_db)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "../etc/passwd"], "storemon: error: '../etc/passwd' is not a report id"),
        (["report", "--as-of", "someday"], "storemon: error: as_of 'someday' is not a valid"),
        (["report", "--data", "/nonexistent"], "storemon: error: /nonexistent does not exist"),
        (["generate", "--out", "x", "--start", "soon"], "storemon: error: cannot generate"),
    ],
)
def test_user_errors_are_one_line_without_traceback(tmp_path, args, message):
    result = storemon(*args, reports=tmp_path / "reports", check=False, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_version_and_a_bare_command_that_lists_the_commands(tmp_path):
    version = storemon("--version", reports=tmp_path)
    assert version.stdout == f"storemon {__version__}\n"
    bare = storemon(reports=tmp_path, check=False)
    assert bare.returncode == 2
    assert bare.stdout.startswith("usage: storemon ")
    for command in ("generate", "ingest", "report", "status", "serve", "reports"):
        assert re.search(rf"^    {command} +\S", bare.stdout, re.MULTILINE), command


@pytest.mark.parametrize(
    "command", ["generate", "ingest", "report", "status", "serve", "reports", "reports prune"]
)
def test_each_command_explains_itself(command, tmp_path):
    text = storemon(*command.split(), "--help", reports=tmp_path).stdout
    usage, description = text.split("\n\n")[:2]
    assert usage.startswith(f"usage: storemon {command}")
    assert description[0].isupper() and description.endswith(".")  # a sentence of what it does
    if command not in ("reports", "reports prune", "status"):
        assert "(default: " in text  # defaults are shown
    if command in ("generate", "ingest", "report", "status", "serve", "reports prune"):
        assert "\nexamples:\n  storemon " in text


def test_report_help_explains_the_methods_and_gives_an_as_of_example(tmp_path):
    text = storemon("report", "--help", reports=tmp_path).stdout
    assert re.search(r"^  nearest +\S.*$", text, re.MULTILINE)
    assert re.search(r"^  carry_forward +\S.*$", text, re.MULTILINE)
    assert "--as-of 2024-11-05T12:00:00Z" in text  # an example line
    assert "e.g. 2024-11-05T12:00:00Z" in text  # and in the option's help


@pytest.mark.parametrize(
    ("args", "missing", "hint"),
    [
        (["report"], "data/storemon.duckdb", "`make demo`"),
        (["status"], "data/storemon.duckdb", "`make demo`"),
        (["serve", "--port", "0"], "data/storemon.duckdb", "`make demo`"),
        (["report", "--data", "exports"], "exports", "`make demo`"),
        (["ingest"], "data/raw", "`storemon generate --out "),
    ],
)
def test_no_data_is_the_same_one_line_from_every_command(args, missing, hint, tmp_path):
    """A fresh home: each command refuses alike, naming what is missing and what to run."""
    env = {**os.environ, "STOREMON_HOME": str(tmp_path)}
    env.pop("STOREMON_DB", None)
    result = subprocess.run(
        [sys.executable, "-m", "storemon.cli", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"storemon: error: {tmp_path / missing} does not exist: ")
    assert hint in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "reports").exists() and not (tmp_path / "data").exists()
