"""matplotlib for the dashboard: imported when the first chart is drawn, one chart at a time.

The page is built without it (it takes a second to import); then several background threads
draw at once (rankings, trend, a store's week). matplotlib is not thread-safe (its fonts and
caches are shared), so every chart is drawn and encoded under one lock.
"""

from __future__ import annotations

import threading

_DRAWING = threading.Lock()


def png(chart: str, *args: object) -> bytes:
    """Draw ``storemon.analysis.plots.<chart>(*args)`` and return it as PNG, under one lock.

    Args:
        chart: The name of a figure function of :mod:`storemon.analysis.plots`.
        *args: Its arguments.

    Returns:
        The PNG bytes.
    """
    with _DRAWING:
        from storemon.analysis import plots

        return plots.figure_png(getattr(plots, chart)(*args))
