"""storemon: exact business-hour uptime and downtime reports for restaurant chains.

Analysts start here::

    import storemon
    report = storemon.compute_report("data/storemon.duckdb")      # or a folder of raw CSVs
"""

from storemon.engine.report import compute_report, write_report_csv
from storemon.errors import StoremonError

__all__ = ["StoremonError", "compute_report", "write_report_csv"]
__version__ = "0.1.0"
