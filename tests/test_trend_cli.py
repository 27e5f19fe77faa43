"""`storemon trend` end to end: the CSV it writes is the trend's, and its errors are one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from storemon import compute_trend
from storemon.engine.trend import trend_csv_bytes
from storemon.synthetic.generate import generate


def storemon(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "storemon.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve stores polled over ten days, as CSV exports."""
    folder = tmp_path_factory.mktemp("trend_cli") / "exports"
    generate(folder, stores=12, days=10, start="2024-10-20T00:00:00Z", seed=3)
    return folder


def test_trend_writes_the_trends_csv(exports: Path) -> None:
    result = storemon(
        "trend", "--data", "exports", "--window", "day", "--periods", "4",
        "--method", "carry_forward", "--out", "trend.csv", cwd=exports.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = compute_trend(exports, window="day", periods=4, method="carry_forward")
    written = (exports.parent / "trend.csv").read_bytes()
    assert written == trend_csv_bytes(expected)
    assert written.startswith(b"store_id,period_end,uptime,downtime\n")
    now = expected.attrs["now"]
    assert (
        result.stdout == f"12 store(s) x 4 day(s) ending {now}Z: {exports.parent / 'trend.csv'}\n"
    )

    one = expected["store_id"].iloc[0]
    result = storemon(
        "trend", "--data", "exports", "--window", "day", "--periods", "4",
        "--method", "carry_forward", "--store", one, "--out", "one.csv", cwd=exports.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    mine = expected[expected["store_id"] == one]
    assert (exports.parent / "one.csv").read_bytes() == trend_csv_bytes(mine)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--periods", "0"], "storemon: error: periods must be a whole number, 1 or more"),
        (["--store", "nowhere"], "storemon: error: store 'nowhere' is not in this trend"),
        (["--as-of", "soon"], "storemon: error: as_of 'soon' is not a valid instant"),
    ],
)
def test_trend_errors_are_one_line(exports: Path, args: list[str], message: str) -> None:
    result = storemon("trend", "--data", "exports", *args, "--out", "x.csv", cwd=exports.parent)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert not (exports.parent / "x.csv").exists()
