"""The Voilà dashboard's widgets: a client of the HTTP API, run in the dashboard kernel.

``notebooks/dashboard.ipynb`` shows :func:`build_dashboard`'s widget. Its parts: :mod:`.client`
(the API), :mod:`.workers` (background threads), :mod:`.controls` and :mod:`.layout` (the
widgets), :mod:`.table` (the store table), :mod:`.messages` (status lines), :mod:`.store_week`
(a store's timeline) and :mod:`.app` (the state and callbacks).
"""

from storemon.dashboard.app import Dashboard, build_dashboard

__all__ = ["Dashboard", "build_dashboard"]
