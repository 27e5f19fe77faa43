"""matplotlib for the dashboard: imported when the first chart is drawn, by one thread at a time.

The page is built without it (it takes a second to import); then several background threads
draw at once (rankings, trend, a store's week). Their first imports of matplotlib are
serialised here, so that no two threads import its modules concurrently.
"""

from __future__ import annotations

import threading
from types import ModuleType

_IMPORTING = threading.Lock()


def plots() -> ModuleType:
    """:mod:`storemon.analysis.plots`, imported on first use under one lock."""
    with _IMPORTING:
        from storemon.analysis import plots as module
    return module
