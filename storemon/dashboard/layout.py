"""Where the dashboard's widgets go on the page: Trigger, Get, the results, Recent."""

from __future__ import annotations

import html

import ipywidgets as widgets

from storemon.dashboard.controls import Controls

STORE_WEEK_HELP = (
    "<h3>A store's week</h3>Pick a store of the table above, or type any id: business hours are "
    "shaded, each poll is a dot (filled: used, hollow: outside business hours, ignored), and the "
    "status bar is what the report counts."
)


def results_box(controls: Controls) -> widgets.VBox:
    """The results of a complete report (hidden until there is one).

    Args:
        controls: The dashboard's widgets.

    Returns:
        The box: links, the fleet's charts, the store table and a store's week.
    """
    charts = widgets.HBox(
        [
            widgets.Box([controls.histogram], layout=widgets.Layout(width="50%")),
            widgets.Box([controls.top_chart], layout=widgets.Layout(width="50%")),
        ],
        # Each chart keeps its own height instead of stretching to the taller one.
        layout=widgets.Layout(align_items="flex-start"),
    )
    return widgets.VBox(
        [
            controls.summary,
            widgets.HTML("<h3>The fleet</h3>"),
            charts,
            widgets.HTML("<h3>Stores</h3>"),
            widgets.HBox([controls.filter_text, controls.sort_by, controls.descending]),
            widgets.HBox(
                [
                    controls.page_size,
                    controls.previous_page,
                    controls.page_label,
                    controls.next_page,
                ]
            ),
            controls.table,
            widgets.HTML(STORE_WEEK_HELP),
            widgets.HBox([controls.store_pick, controls.store_text]),
            controls.timeline_message,
            controls.timeline_image,
        ],
        layout=widgets.Layout(display="none"),
    )


def page(controls: Controls, results: widgets.VBox, api_url: str) -> list[widgets.Widget]:
    """The dashboard's rows, top to bottom.

    Args:
        controls: The dashboard's widgets.
        results: From :func:`results_box`.
        api_url: The API's URL, named at the top.

    Returns:
        The children of the dashboard's box.
    """
    return [
        controls.data_freshness,
        widgets.HTML(
            "<p>Reports are computed by the storemon API at "
            f"<code>{html.escape(api_url)}</code>.</p>"
        ),
        widgets.HTML("<h3>Trigger a report</h3>"),
        widgets.HBox([controls.as_of, controls.method, controls.trigger_button]),
        controls.trigger_message,
        controls.new_id,
        widgets.HTML("<h3>Get a report</h3>"),
        widgets.HBox([controls.report_id, controls.get_button]),
        widgets.HBox([controls.status_message, controls.progress]),
        results,
        widgets.HTML("<h3>Recent reports</h3>"),
        widgets.HBox([controls.refresh_button, controls.recent_message]),
        controls.recent,
    ]
