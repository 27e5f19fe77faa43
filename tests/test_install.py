"""storemon stands alone: its wheel, installed (not editable) in a fresh environment, makes a
report from an empty folder. This proves the report notebook, the SQL files and the Voilà
template ship as package data, and that nothing reads the checkout.

Offline: the wheel is built with the test environment's setuptools (no build isolation), and the
fresh environment borrows the test environment's installed dependencies through a ``.pth`` file,
so pip installs only storemon itself (``--no-deps --no-index``); ``JUPYTER_PATH`` points at their
data files (nbconvert's templates), which a normal install puts under the environment's prefix.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
    "downtime_last_hour,downtime_last_day,downtime_last_week"
)
# What a copy of the checkout leaves out: environments, caches, generated data and builds.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "data", "reports", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)

pytestmark = pytest.mark.slow


def _run(command: list, cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _build_wheel(tmp_path: Path) -> Path:
    """Build storemon's wheel from a copy of the checkout (the build leaves files behind)."""
    source = Path(shutil.copytree(ROOT, tmp_path / "source", ignore=NOT_SOURCE, symlinks=True))
    wheels = tmp_path / "wheels"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "--wheel-dir", wheels, source], cwd=tmp_path)
    (wheel,) = wheels.glob("storemon-*.whl")
    return wheel


def _fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new venv holding the wheel, with the test environment's dependencies on its path."""
    fresh = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", fresh], cwd=tmp_path)
    python = fresh / "bin" / "python"
    purelib = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path
        ).strip()
    )
    # a path line, not a site dir: the checkout's editable-install hook there is never run
    (purelib / "_storemon_test_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    pip_install = [sys.executable, "-m", "pip", "--python", python, "install", "-q"]
    _run([*pip_install, "--no-deps", "--no-index", wheel], cwd=tmp_path)
    return fresh


def _user_environment(fresh: Path) -> dict:
    """The environment of a user of the fresh install: no storemon settings, no checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOREMON_")}
    env.pop("PYTHONPATH", None)
    test_bin = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != test_bin]
    env["PATH"] = os.pathsep.join([str(fresh / "bin"), *path])
    # the borrowed dependencies' data files (nbconvert's templates) stay under the test prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return env


def test_installed_wheel_reports_from_an_empty_folder(tmp_path: Path):
    fresh = _fresh_environment(tmp_path, _build_wheel(tmp_path))
    env = _user_environment(fresh)
    work = tmp_path / "work"
    work.mkdir()

    shipped = _run(
        [
            fresh / "bin" / "python",
            "-c",
            "import storemon.config as c; print(c.PACKAGE_DIR); "
            "print(len(list((c.PACKAGE_DIR / 'engine' / 'sql').rglob('*.sql')))); "
            "print(c.REPORT_NOTEBOOK.is_file(), c.DASHBOARD_NOTEBOOK.is_file()); "
            "print(any(p.is_file() for p in c.VOILA_TEMPLATES_DIR.rglob('*')))",
        ],
        cwd=work,
        env=env,
    ).splitlines()
    assert Path(shipped[0]).is_relative_to(fresh), f"storemon imported from {shipped[0]}"
    assert int(shipped[1]) > 0 and shipped[2:] == ["True True", "True"], shipped

    storemon = fresh / "bin" / "storemon"
    _run([storemon, "generate", "--out", "d", "--stores", 30, "--days", 8], cwd=work, env=env)
    _run([storemon, "ingest", "--data", "d", "--db", "x.duckdb"], cwd=work, env=env)
    said = _run([storemon, "report", "--db", "x.duckdb"], cwd=work, env=env)

    report_id = re.match(r"report (\S+): Complete", said)
    assert report_id, said
    report = work / "reports" / report_id.group(1) / "report.csv"
    assert report.is_file(), f"{said}\n{sorted(p.name for p in work.iterdir())}"
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(lines))
    stores = re.search(r"^  (\d+) stores as of", said, re.MULTILINE)
    assert stores and len(rows) == int(stores.group(1)) > 0, said
    assert [r["store_id"] for r in rows] == sorted(r["store_id"] for r in rows)
