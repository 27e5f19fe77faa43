"""The store table: a report read from its CSV, filtered, sorted, paged and shown as HTML."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import pandas as pd

from storemon.analysis.metrics import DOWN_NOW, down_all_week, status_last_hour, uptime_share
from storemon.config import REPORT_COLUMNS

PAGE_SIZES = (("25 rows", 25), ("50 rows", 50), ("200 rows", 200), ("all rows", 0))
DOWN_ALL_WEEK = "down all week"
# The status filter: every store, or those of one status.
STATUS_FILTERS = (
    ("every status", ""),
    ("down now (last hour)", DOWN_NOW),
    ("up (last hour)", "up"),
    ("closed (last hour)", "closed"),
    (DOWN_ALL_WEEK, DOWN_ALL_WEEK),
)
# Column labels of the store table, with the report's units.
TABLE_LABELS = {
    "store_id": "store",
    "status_last_hour": "status (last hour)",
    "zone": "time zone",
    "uptime_last_hour": "uptime last hour (min)",
    "downtime_last_hour": "downtime last hour (min)",
    "uptime_last_day": "uptime last day (h)",
    "downtime_last_day": "downtime last day (h)",
    "uptime_last_week": "uptime last week (h)",
    "downtime_last_week": "downtime last week (h)",
    "uptime_share_last_week": "uptime share last week (%)",
}
TABLE_STYLE = """
<style>
.storemon-scroll { overflow-x: auto; max-width: 100%; border: 1px solid #ddd; }
.storemon-table { border-collapse: collapse; font-size: 12px; width: 100%; }
.storemon-table th { background: #f3f3f3; text-align: right;
  padding: 3px 8px; border-bottom: 1px solid #ccc; }
.storemon-table td { text-align: right; padding: 2px 8px; font-variant-numeric: tabular-nums; }
.storemon-table th:first-child, .storemon-table td:first-child { text-align: left;
  font-family: monospace; }
.storemon-table td:nth-child(-n+3), .storemon-table th:nth-child(-n+3) { text-align: left; }
.storemon-table tbody tr:nth-child(even) { background: #fafafa; }
</style>
"""


def read_report_csv(content: bytes) -> pd.DataFrame:
    """Read a report CSV (store ids stay strings).

    Args:
        content: The CSV's bytes.

    Returns:
        One row per store, with the report's columns.
    """
    return pd.read_csv(BytesIO(content), dtype={"store_id": str})


def store_table(
    report: pd.DataFrame,
    filter_text: str = "",
    sort_by: str = "store_id",
    descending: bool = False,
    status: str = "",
    zone: str = "",
) -> pd.DataFrame:
    """The store table: the report plus each store's status and uptime share, filtered, sorted.

    Args:
        report: A report (one row per store).
        filter_text: Keep the stores whose id contains this text (any case); empty keeps all.
        sort_by: A column of the table.
        descending: Sort largest first.
        status: Keep the stores of this status in the last hour (``down now``, ``up``,
            ``closed``), or those ``down all week``; empty keeps all.
        zone: Keep the stores of this time zone (the report's ``zone`` column); empty keeps all.

    Returns:
        One row per kept store: store id, ``status_last_hour``, ``zone`` (when the report has
        one), the report's six numbers and ``uptime_share_last_week`` (percent, empty for a store
        without business time last week).
    """
    table = report[REPORT_COLUMNS].copy()
    table.insert(1, "status_last_hour", status_last_hour(table).to_numpy())
    if "zone" in report:
        table.insert(2, "zone", report["zone"].to_numpy())
        if zone:
            table = table[table["zone"] == zone]
    share = uptime_share(table, decimals=None).astype(float)
    table["uptime_share_last_week"] = share.round(1).to_numpy()
    if status == DOWN_ALL_WEEK:
        table = table[down_all_week(table).to_numpy()]
    elif status:
        table = table[table["status_last_hour"] == status]
    needle = filter_text.strip().lower()
    if needle:
        table = table[table["store_id"].str.lower().str.contains(needle, regex=False)]
    # Ties are broken by store id so that pages are stable.
    order = [sort_by, "store_id"] if sort_by != "store_id" else ["store_id"]
    ascending = [not descending, True] if sort_by != "store_id" else [not descending]
    return table.sort_values(order, ascending=ascending, na_position="last").reset_index(drop=True)


def rows_csv(table: pd.DataFrame) -> bytes:
    """The rows of the store table as a CSV (the report's column names, then status and share).

    Args:
        table: Rows of :func:`store_table`.

    Returns:
        The CSV's bytes.
    """
    return table.to_csv(index=False).encode()


def table_html(table: pd.DataFrame) -> str:
    """Render (a page of) the store table as an HTML table (escaped, no script).

    Args:
        table: Rows of :func:`store_table`.

    Returns:
        HTML with a ``storemon-table`` table, one ``tbody`` row per store.
    """
    shown = table.rename(columns=TABLE_LABELS)
    body = shown.to_html(
        index=False,
        escape=True,
        na_rep="",
        float_format="{:.2f}".format,
        border=0,
        classes="storemon-table",
    )
    return f'{TABLE_STYLE}<div class="storemon-scroll">{body}</div>'


@dataclass(frozen=True)
class Page:
    """One page of the store table.

    Attributes:
        rows: The page's rows.
        number: The page's number, from 0 (within the pages there are).
        count: How many pages there are (at least one).
        label: Where the page is, as HTML: rows shown, of how many, page of pages.
    """

    rows: pd.DataFrame
    number: int
    count: int
    label: str


def page_of(rows: pd.DataFrame, number: int, size: int, total: int) -> Page:
    """Cut a page out of the (filtered) store table.

    Args:
        rows: Rows of :func:`store_table`.
        number: The page wanted, from 0; moved into the pages there are.
        size: Rows per page; 0 for all rows on one page.
        total: Stores in the report, to say when the rows are filtered.

    Returns:
        The page.
    """
    size = size or max(len(rows), 1)
    count = max(1, -(-len(rows) // size))
    number = min(max(number, 0), count - 1)
    page = rows.iloc[number * size : (number + 1) * size]
    filtered = "" if len(rows) == total else f" (filtered from {total:,})"
    first = number * size + 1 if len(rows) else 0
    label = (
        f"&nbsp;rows {first:,}–{number * size + len(page):,} of {len(rows):,}{filtered}"
        f", page {number + 1} of {count}&nbsp;"
    )
    return Page(page, number, count, label)
