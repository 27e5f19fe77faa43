"""A store's week window as data frames: the value every timeline view reads (foundation).

The engine builds one from the database (:func:`storemon.timeline`, for analysts), the dashboard
from a store's view the API answered; :mod:`storemon.analysis.plots` draws either. It lives here,
below every layer, because the dashboard may not import the engine. Nothing here imports DuckDB
or another storemon module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class StoreTimeline:
    """One store's week window as the report computes it.

    Attributes:
        store_id: The store.
        zone: The IANA zone its business hours are read in.
        method: ``nearest`` or ``carry_forward``.
        now: The report's instant (UTC); the week window is ``[week_start, now)``.
        week_start: ``now`` minus 7 days (UTC).
        business: One row per business span inside the window: ``start``, ``end`` (UTC).
        polls: One row per poll in ``[week_start, now]``: ``time`` (UTC), ``status``
            (``active``/``inactive``), ``in_hours`` (taken in business hours), ``observed``
            (used by the report as an observation).
        status: The interpolated status over the window: ``start``, ``end`` (UTC), ``status``;
            consecutive rows alternate and together cover the window (empty without observations).
    """

    store_id: str
    zone: str
    method: str
    now: pd.Timestamp
    week_start: pd.Timestamp
    business: pd.DataFrame
    polls: pd.DataFrame
    status: pd.DataFrame
