"""storemon: exact business-hour uptime and downtime reports for restaurant chains.

Analysts start here::

    import storemon
    report = storemon.compute_report("data/storemon.duckdb")      # or a folder of raw CSVs
    weekly = storemon.compute_trend("data/storemon.duckdb")       # the last 12 weeks, per store
"""

from storemon.engine.report import compute_report, write_report_csv
from storemon.engine.trend import compute_trend
from storemon.errors import StoremonError

__all__ = ["StoremonError", "compute_report", "compute_trend", "write_report_csv"]
__version__ = "0.1.0"
