"""The dashboard's widgets, each under the name a person (or a test) knows it by.

Every widget also carries a CSS class ``storemon-<name>``: stable handles for people's style
sheets and for the browser tests, which find widgets by class, never by position or wording.
Widths are flexible (``max-width: 100%``), so rows wrap on a phone (:mod:`.layout`).
"""

from __future__ import annotations

from typing import TypeVar

import ipywidgets as widgets

from storemon.config import METHODS
from storemon.dashboard import headline
from storemon.dashboard.table import PAGE_SIZES, STATUS_FILTERS, TABLE_LABELS

W = TypeVar("W", bound=widgets.DOMWidget)


def named(widget: W, name: str) -> W:
    """Give ``widget`` the CSS class ``storemon-<name>`` and return it."""
    widget.add_class(f"storemon-{name}")
    return widget


def png_image(name: str) -> widgets.Image:
    """An empty PNG image widget that fits its box and keeps the picture's proportions."""
    layout = widgets.Layout(width="100%", max_width="100%", height="auto", object_fit="contain")
    return named(widgets.Image(format="png", layout=layout), name)


def _width(width: str) -> widgets.Layout:
    """A layout that is ``width`` wide where there is room, and narrower on a small screen."""
    return widgets.Layout(width=width, max_width="100%")


def _text(
    name: str, description: str, placeholder: str, width: str, **options: object
) -> widgets.Text:
    """A text field, with the CSS class of ``name``."""
    field = widgets.Text(
        description=description, placeholder=placeholder, layout=_width(width), **options
    )
    return named(field, name)


def _dropdown(name: str, options: list, width: str, **extra: object) -> widgets.Dropdown:
    """A dropdown, with the CSS class of ``name``."""
    return named(widgets.Dropdown(options=options, layout=_width(width), **extra), name)


def _tile(name: str, content: str) -> widgets.HTML:
    """A headline tile: classes ``storemon-kpi`` and ``storemon-kpi-<name>``."""
    return named(named(widgets.HTML(content), "kpi"), f"kpi-{name}")


SHORT = {"description_width": "initial"}
NO_STORE = ("(pick a store of the table)", "")
ALL_ZONES = ("every zone", "")


class Controls:
    """The dashboard's widgets (a base of :class:`~storemon.dashboard.app.Dashboard`).

    Header: ``data_freshness``. Reports: ``recent`` (pick one), ``refresh_button``,
    ``report_id`` (or paste an id), ``get_button``; ``as_of``, ``method``, ``trigger_button``;
    ``status_message``, ``progress``. Headline: ``report_line`` and the tiles ``kpi_*``.
    Attention: ``down_list``, ``top_chart``, ``histogram``. Trend: ``trend_image``,
    ``trend_message`` in ``trend``. Table: ``filter_text``, ``status_filter``, ``zone_filter``,
    ``sort_by``, ``descending``, ``page_size``, ``previous_page``, ``next_page``, ``page_label``,
    ``table``, ``csv_button``, ``summary`` (download links). A store: ``store_pick``,
    ``store_text``, ``timeline_message``, ``timeline_image``, ``store_days_image``.
    """

    def build_controls(self) -> None:
        """Create every widget (not yet laid out or connected)."""
        # The line under the title: how fresh the server's data is (GET /data).
        self.data_freshness = named(widgets.HTML("<i>Asking the API about its data…</i>"), "data")
        self._build_reports()
        self._build_headline()
        self._build_attention()
        self._build_table()
        self._build_store_week()

    def _build_reports(self) -> None:
        """Pick a report, or trigger one; the status line of the one followed."""
        self.recent = _dropdown("recent", [], "460px", description="report", style=SHORT)
        self.refresh_button = named(
            widgets.Button(description="↻", tooltip="reload the list", layout=_width("40px")),
            "refresh",
        )
        self.report_id = _text("report-id", "or id", "paste a report id", "330px", style=SHORT)
        self.get_button = named(
            widgets.Button(description="Get report", button_style="info"), "get"
        )
        self.as_of = _text(
            "as-of", "as of", "latest poll, or 2024-11-05T12:00:00Z", "330px", style=SHORT
        )
        self.method = _dropdown(
            "method", list(METHODS), "200px", value="nearest", description="method", style=SHORT
        )
        self.trigger_button = named(
            widgets.Button(
                description="Trigger report",
                button_style="primary",
                tooltip="compute a new report and show it when it is complete",
            ),
            "trigger",
        )
        self.status_message = named(widgets.HTML(), "status")
        self.progress = named(
            widgets.FloatProgress(
                value=0.0, min=0.0, max=1.0, layout=widgets.Layout(display="none", width="160px")
            ),
            "progress",
        )

    def _build_headline(self) -> None:
        """The report line and the headline tiles (empty until a report is shown)."""
        self.report_line = named(widgets.HTML(), "report-line")
        self.kpi_fleet_uptime = _tile("fleet-uptime", headline.fleet_uptime(None))
        self.kpi_down_all_week = _tile("down-all-week", headline.down_all_week(None))
        self.kpi_down_last_hour = _tile("down-last-hour", headline.down_last_hour(None))
        self.kpi_extrapolated = _tile("extrapolated", headline.extrapolated(None))
        self.kpi_freshness = _tile("freshness", headline.freshness(None))

    def _build_attention(self) -> None:
        """The stores down all week, the ranking of the others, the spread, the trend."""
        self.down_list = named(widgets.HTML(), "down-list")
        self.top_chart = png_image("top-chart")
        self.histogram = png_image("histogram")
        self.trend_image = png_image("trend-chart")
        self.trend_message = named(widgets.HTML(), "trend-message")

    def _build_table(self) -> None:
        """The store table with its filters, sort, pages and download."""
        self.summary = named(widgets.HTML(), "summary")
        self.filter_text = _text(
            "filter", "store", "id contains…", "220px", continuous_update=True, style=SHORT
        )
        self.status_filter = _dropdown(
            "status-filter",
            list(STATUS_FILTERS),
            "240px",
            value="",
            description="status",
            style=SHORT,
        )
        self.zone_filter = _dropdown(
            "zone-filter", [ALL_ZONES], "260px", value="", description="zone", style=SHORT
        )
        self.sort_by = _dropdown(
            "sort-by",
            [(label, column) for column, label in TABLE_LABELS.items()],
            "300px",
            value="downtime_last_week",
            description="sort by",
            style=SHORT,
        )
        self.descending = named(
            widgets.Checkbox(
                value=True, description="largest first", indent=False, layout=_width("130px")
            ),  # fmt: skip
            "descending",
        )
        self.page_size = _dropdown("page-size", list(PAGE_SIZES), "110px", value=25)
        self.previous_page = widgets.Button(description="◀", layout=_width("40px"))
        self.next_page = widgets.Button(description="▶", layout=_width("40px"))
        self.page_label = named(widgets.HTML(), "page-label")
        self.table = named(widgets.HTML(), "table-box")
        self.csv_button = named(
            widgets.Button(
                description="CSV of these rows", icon="download", layout=_width("170px")
            ),  # fmt: skip
            "csv-button",
        )
        self.csv_link = named(widgets.HTML(), "csv-link")

    def _build_store_week(self) -> None:
        """The store picker, the store's week and its last 28 days."""
        self.store_pick = _dropdown(
            "store-pick", [NO_STORE], "300px", value="", description="store", style=SHORT
        )
        self.store_text = _text(
            "store-text", "or id", "a store id", "300px", continuous_update=False, style=SHORT
        )
        self.timeline_message = named(widgets.HTML(), "timeline-message")
        self.timeline_image = png_image("timeline")
        self.store_days_image = png_image("store-days")
