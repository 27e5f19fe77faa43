"""Paths, settings and constants, nothing else.

Where storemon keeps its data and reports (its *home*): ``STOREMON_HOME`` when set; else the
checkout this package runs from (a clone with ``pyproject.toml`` beside ``storemon/``); else the
current working directory (an installed package). ``STOREMON_DB`` and ``STOREMON_REPORTS_DIR``
override the database and the reports folder. Paths a user types (``--data exports``) are relative
to the working directory, as in every command-line tool; only these defaults use the home.
"""

import os
from pathlib import Path

from storemon.errors import StoremonError

PACKAGE_DIR = Path(__file__).resolve().parent


def _home() -> Path:
    if os.environ.get("STOREMON_HOME"):
        return Path(os.environ["STOREMON_HOME"]).resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "notebooks").is_dir():
        return checkout
    return Path.cwd()


PROJ_ROOT = _home()
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
DEFAULT_DB = Path(os.environ.get("STOREMON_DB") or DATA_DIR / "storemon.duckdb").resolve()
# Reports go under reports/ unless STOREMON_REPORTS_DIR names another folder (tests, servers).
REPORTS_DIR = Path(os.environ.get("STOREMON_REPORTS_DIR") or PROJ_ROOT / "reports").resolve()

# Shipped with the package (package data), so an installed storemon runs from any folder.
NOTEBOOKS_DIR = PACKAGE_DIR / "notebooks"
REPORT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
DASHBOARD_NOTEBOOK = NOTEBOOKS_DIR / "dashboard.ipynb"
# Beside a report's CSV: the share of business time extrapolated per window (its data quality).
QUALITY_FILE = "quality.json"
VOILA_TEMPLATES_DIR = PACKAGE_DIR / "dashboard" / "templates"
# Set for the kernels of a Voilà that serves storemon's template, whose pages say when their
# widgets exist (storemon/dashboard/page_gate.py).
PAGE_GATE_VARIABLE = "STOREMON_PAGE_GATE"

# How `storemon serve` hands the dashboard kernel its settings.
API_URL_VARIABLE = "STOREMON_API_URL"
TOKEN_VARIABLE = "STOREMON_API_TOKEN"

# The API server's report runners beyond its compute slots (2 on a 2-core server): a runner
# finishes a report's tail (its last cells, the HTML) after Complete while the next reports run
# on others; 3 spares keep back-to-back reports from waiting for tails.
SPARE_RUNNERS = 3
# Warm Jupyter kernels the API server keeps ready for reports, over all its runners: each costs
# a Python process with pandas and DuckDB imported; 5 is one for each runner of a 2-core server
# (2 computing, 3 spares). 0: no pool.
KERNEL_POOL_VARIABLE = "STOREMON_KERNEL_POOL"
DEFAULT_KERNEL_POOL = 2 + SPARE_RUNNERS


def kernel_pool_setting() -> int:
    """The warm kernels the API server keeps: ``STOREMON_KERNEL_POOL``, else 5.

    Returns:
        A whole number, 0 or more.

    Raises:
        StoremonError: The variable is set to something else.
    """
    text = (os.environ.get(KERNEL_POOL_VARIABLE) or "").strip()
    if not text:
        return DEFAULT_KERNEL_POOL
    if not text.isdigit():
        raise StoremonError(
            f"{KERNEL_POOL_VARIABLE} must be a whole number of warm kernels, 0 or more, not "
            f"{text!r} (unset it for {DEFAULT_KERNEL_POOL})"
        )
    return int(text)


# The dashboard server (`storemon serve`): how many pages may hold a kernel at once (the next
# visitor is told to retry), and how soon the kernel of a closed page is stopped. The dashboard
# kernel reads the API's token from the file this variable names, never from its environment.
DASHBOARD_KERNELS_VARIABLE = "STOREMON_DASHBOARD_KERNELS"
DEFAULT_DASHBOARD_KERNELS = 4
DASHBOARD_CULL_IDLE_SECONDS = 180
DASHBOARD_CULL_INTERVAL_SECONDS = 30
TOKEN_FILE_VARIABLE = "STOREMON_API_TOKEN_FILE"

# Days of polls the ingested database keeps hot; older polls move to the Parquet archive beside
# it. 21 days: a report reads its week plus a day before it, so three weeks keep every report of
# the last two weeks off the archive, while the database file the loader copies stays small.
# Read, and refused when not a whole number of days, by storemon.freshness.retention_days().
RETENTION_VARIABLE = "STOREMON_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 21

# Report jobs computed in partitions on Dask (docs/scaling.md): how many (0 or unset:
# one process) and the scheduler's address (unset: each report starts a local cluster). Read,
# and refused when not a whole number from 0 to 64, by storemon.engine.partition.job_partitions().
PARTITIONS_VARIABLE = "STOREMON_PARTITIONS"
SCHEDULER_VARIABLE = "STOREMON_SCHEDULER"

DEFAULT_TIMEZONE = "America/Chicago"
METHODS = ("nearest", "carry_forward")

# A trend (storemon.compute_trend): each period's report, cut by its last day or week.
TREND_WINDOWS = ("week", "day")
TREND_COLUMNS = ["store_id", "period_end", "uptime", "downtime"]

REPORT_COLUMNS = [
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
]
