"""Paths and constants, nothing else."""

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
DEFAULT_DB = DATA_DIR / "storemon.duckdb"
# Reports go under reports/ unless STOREMON_REPORTS_DIR names another folder (tests, servers).
REPORTS_DIR = Path(os.environ.get("STOREMON_REPORTS_DIR") or PROJ_ROOT / "reports")

DEFAULT_TIMEZONE = "America/Chicago"
METHODS = ("nearest", "carry_forward")

REPORT_COLUMNS = [
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
]
