"""Where the dashboard's widgets go on the page, top to bottom.

The order of Grafana's and Uptime Kuma's status pages: which report, the headline tiles, the
stores that need attention, the trend, the table, a store's week. Every row is a flexbox that
wraps (``flex_flow="row wrap"``), and the template's stylesheet
(``templates/voila/templates/storemon/index.html.j2``) sizes tiles and charts, so the page fits
a phone (400 px) and a laptop alike.
"""

from __future__ import annotations

import ipywidgets as widgets

from storemon.dashboard.controls import Controls, named

STORE_HELP = (
    "<h3>A store</h3><p>Pick a store of the table's page, or type any id. Its week: business "
    "hours shaded, each poll a dot (filled: used, hollow: outside business hours, ignored), "
    "polling holes hatched, and the status bar is what the report counts. Below it, its last 28 "
    "days.</p>"
)
TREND_HELP = (
    "<h3>Trend</h3><p>The fleet's uptime share of business time in each of the last weeks held "
    "(up to 12): each point is the report as of that week's end.</p>"
)
ATTENTION_HELP = "<h3>Needs attention</h3>"


def row(children: list[widgets.Widget], name: str = "row") -> widgets.HBox:
    """A row of widgets that wraps onto more lines where the screen is narrow."""
    layout = widgets.Layout(flex_flow="row wrap", align_items="center", width="100%")
    return named(named(widgets.HBox(children, layout=layout), "row"), name)


def _chart(image: widgets.Widget) -> widgets.Box:
    """A chart's box: half the row on a wide screen, the whole row on a narrow one."""
    return named(named(widgets.Box([image]), "chart"), "scroller")


def _scroller(image: widgets.Widget) -> widgets.Box:
    """A picture's box that scrolls sideways on a phone, where the picture keeps a legible size."""
    return named(widgets.Box([image], layout=widgets.Layout(width="100%")), "scroller")


def results_box(c: Controls) -> widgets.VBox:
    """A report's results (hidden until one is shown).

    Args:
        c: The dashboard's widgets.

    Returns:
        The box: report line, tiles, attention, trend, table, a store.
    """
    tiles = [
        c.kpi_fleet_uptime,
        c.kpi_down_last_hour,
        c.kpi_down_all_week,
        c.kpi_extrapolated,
        c.kpi_freshness,
    ]
    trend = named(widgets.VBox([_scroller(c.trend_image), c.trend_message]), "trend")
    return named(
        widgets.VBox(
            [
                c.report_line,
                row(tiles, "tiles"),
                widgets.HTML(ATTENTION_HELP),
                c.down_list,
                row([_chart(c.top_chart), _chart(c.histogram)], "charts"),
                widgets.HTML(TREND_HELP),
                trend,
                widgets.HTML("<h3>Stores</h3>"),
                row(
                    [c.filter_text, c.status_filter, c.zone_filter, c.sort_by, c.descending],
                    "table-controls",
                ),
                c.table,
                row(
                    [c.page_size, c.previous_page, c.page_label, c.next_page, c.csv_button],
                    "pages",
                ),
                c.csv_link,
                c.summary,
                widgets.HTML(STORE_HELP),
                row([c.store_pick, c.store_text], "store-controls"),
                c.timeline_message,
                _scroller(c.timeline_image),
                _scroller(c.store_days_image),
            ],
            layout=widgets.Layout(display="none", width="100%"),
        ),
        "results",
    )


def page(c: Controls, results: widgets.VBox) -> list[widgets.Widget]:
    """The dashboard's rows, top to bottom.

    Args:
        c: The dashboard's widgets.
        results: From :func:`results_box`.

    Returns:
        The children of the dashboard's box.
    """
    return [
        c.data_freshness,
        row([c.recent, c.refresh_button, c.get_button, c.report_id], "get-row"),
        row([c.as_of, c.method, c.trigger_button], "trigger-row"),
        row([c.status_message, c.progress], "status-row"),
        results,
    ]
