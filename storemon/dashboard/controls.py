"""The dashboard's widgets, each under the name a person (or a test) knows it by.

Every widget also carries a CSS class ``storemon-<name>``: stable handles for people's style
sheets and for the browser tests.
"""

from __future__ import annotations

from typing import TypeVar

import ipywidgets as widgets

from storemon.config import METHODS
from storemon.dashboard.table import PAGE_SIZES, TABLE_LABELS

W = TypeVar("W", bound=widgets.DOMWidget)


def named(widget: W, name: str) -> W:
    """Give ``widget`` the CSS class ``storemon-<name>`` and return it."""
    widget.add_class(f"storemon-{name}")
    return widget


def png_image(name: str) -> widgets.Image:
    """An empty PNG image widget that keeps the picture's proportions."""
    layout = widgets.Layout(width="100%", height="auto", object_fit="contain")
    return named(widgets.Image(format="png", layout=layout), name)


def _width(width: str) -> widgets.Layout:
    """A layout of a fixed width."""
    return widgets.Layout(width=width)


def _text(
    name: str, description: str, placeholder: str, width: str, **options: object
) -> widgets.Text:
    """A text field of a fixed width, with the CSS class of ``name``."""
    field = widgets.Text(
        description=description, placeholder=placeholder, layout=_width(width), **options
    )
    return named(field, name)


def _dropdown(name: str, options: list, width: str, **extra: object) -> widgets.Dropdown:
    """A dropdown of a fixed width, with the CSS class of ``name``."""
    return named(widgets.Dropdown(options=options, layout=_width(width), **extra), name)


class Controls:
    """The dashboard's widgets (a base of :class:`~storemon.dashboard.app.Dashboard`).

    Header: ``data_freshness``. Trigger: ``as_of``, ``method``, ``trigger_button`` →
    ``trigger_message``, ``new_id``.
    Get: ``report_id``, ``get_button`` → ``status_message``, ``progress``. A complete report:
    ``summary`` (download links), ``histogram``, ``top_chart``, the table (``filter_text``,
    ``sort_by``, ``descending``, ``page_size``, ``previous_page``, ``next_page``, ``page_label``,
    ``table``) and a store's week (``store_pick``, ``store_text`` → ``timeline_message``,
    ``timeline_image``). Recent: ``refresh_button``, ``recent_message``, ``recent``.
    """

    def build_controls(self) -> None:
        """Create every widget (not yet laid out or connected)."""
        # The line under the title: how fresh the server's data is (GET /data).
        self.data_freshness = named(widgets.HTML("<i>Asking the API about its data…</i>"), "data")
        self._build_trigger()
        self._build_get()
        self._build_table()
        self._build_store_week()
        self._build_recent()

    def _build_trigger(self) -> None:
        """The Trigger controls."""
        self.as_of = _text("as-of", "as of", "latest poll, or e.g. 2024-11-05T12:00:00Z", "340px")
        self.method = _dropdown(
            "method", list(METHODS), "230px", value="nearest", description="method"
        )
        self.trigger_button = named(
            widgets.Button(
                description="Trigger report", button_style="primary", tooltip="queue a new report"
            ),
            "trigger",
        )
        self.trigger_message = named(widgets.HTML(), "trigger-message")
        self.new_id = _text(
            "new-id",
            "new report id",
            "(trigger a report)",
            "480px",
            style={"description_width": "initial"},
        )

    def _build_get(self) -> None:
        """The Get controls and the report's status line."""
        self.report_id = _text("report-id", "report id", "paste a report id", "480px")
        self.get_button = named(
            widgets.Button(description="Get report", button_style="info"), "get"
        )
        self.status_message = named(widgets.HTML(), "status")
        self.progress = named(
            widgets.FloatProgress(
                value=0.0, min=0.0, max=1.0, description="", layout=widgets.Layout(display="none")
            ),
            "progress",
        )

    def _build_table(self) -> None:
        """The fleet's charts and the store table with its filter, sort and pages."""
        self.summary = named(widgets.HTML(), "summary")
        self.histogram = png_image("histogram")
        self.top_chart = png_image("top-chart")
        self.filter_text = _text(
            "filter", "filter", "store id contains…", "260px", continuous_update=True
        )
        self.sort_by = _dropdown(
            "sort-by",
            [(label, column) for column, label in TABLE_LABELS.items()],
            "330px",
            value="downtime_last_week",
            description="sort by",
        )
        self.descending = widgets.Checkbox(value=True, description="largest first", indent=False)
        self.page_size = _dropdown("page-size", list(PAGE_SIZES), "110px", value=50)
        self.previous_page = widgets.Button(description="◀", layout=_width("40px"))
        self.next_page = widgets.Button(description="▶", layout=_width("40px"))
        self.page_label = named(widgets.HTML(), "page-label")
        self.table = named(widgets.HTML(), "table-box")

    def _build_store_week(self) -> None:
        """The store picker and the store's week."""
        self.store_pick = _dropdown("store-pick", [], "380px", description="store")
        self.store_text = _text(
            "store-text", "or type", "a store id", "330px", continuous_update=False
        )
        self.timeline_message = named(widgets.HTML(), "timeline-message")
        self.timeline_image = png_image("timeline")

    def _build_recent(self) -> None:
        """The list of recent reports."""
        self.recent = named(
            widgets.Select(options=[], rows=6, layout=widgets.Layout(width="100%")), "recent"
        )
        self.refresh_button = widgets.Button(description="Refresh list")
        self.recent_message = widgets.HTML()
