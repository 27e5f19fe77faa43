"""Paths and constants, nothing else."""

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
DEFAULT_DB = DATA_DIR / "storemon.duckdb"
REPORTS_DIR = PROJ_ROOT / "reports"

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
