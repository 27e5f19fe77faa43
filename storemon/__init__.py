"""storemon: exact business-hour uptime and downtime reports for restaurant chains.

Analysts start here::

    import storemon
    report = storemon.compute_report("data/storemon.duckdb")      # or a folder of raw CSVs
    weekly = storemon.compute_trend("data/storemon.duckdb")       # the last 12 weeks, per store

The engine (and DuckDB) is imported when one of its functions is first used, not with the
package: the dashboard's kernel and the API's process import only the parts they use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from storemon.errors import StoremonError

if TYPE_CHECKING:
    from storemon.engine.report import compute_report, write_report_csv
    from storemon.engine.trend import compute_trend

_LAZY = {
    "compute_report": "storemon.engine.report",
    "write_report_csv": "storemon.engine.report",
    "compute_trend": "storemon.engine.trend",
}

__all__ = ["StoremonError", "compute_report", "compute_trend", "write_report_csv"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Import the engine's public functions on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'storemon' has no attribute {name!r}")
