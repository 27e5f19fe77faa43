"""The SQL chain, declared once: each stage's steps in the order they run, and what each makes.

A step is one file, ``sql/<stage>/<step>.sql``. Statement stages build relations for the stages
after them; query stages only read (their files end in a ``select`` whose rows the caller takes).
``storemon.engine.load`` and ``storemon.engine.report`` run their stages from here, and
``tests/test_sql.py`` checks the chain: every relation a step reads is a base table of
``schema`` or is made by an earlier step.

A relation may be made by more than one step only when :data:`SHARED_RELATIONS` says so: the
loader stages one file at a time into ``staged``, and ``zone_segments`` is built once over the
polls (for ``poll_instants``) and again over a report's week window.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One SQL file of the chain.

    Attributes:
        name: The file stem (unique across the stage folders).
        makes: The relations (tables, views, macros) it creates or replaces; empty for a step
            that only writes rows into existing tables, or a query.
    """

    name: str
    makes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """A folder of ``sql/`` and its steps, in the order they run.

    Attributes:
        name: The folder name.
        steps: The steps, in order.
        queries: True for a folder of read-only queries (run one by one by their callers).
    """

    name: str
    steps: tuple[Step, ...]
    queries: bool = False


# Run by storemon.engine.db.connect on every connection: the reports and the loader use them.
MACROS = Stage(
    "macros",
    (Step("merge_spans", ("merge_spans",)), Step("hundredths_half_up", ("hundredths_half_up",))),
)
BASE = Stage(
    "base",
    (Step("schema", ("store_status", "menu_hours", "timezones", "rejects", "loads")),),
)
# Per file, one chain of STAGING_CHAINS runs; each ends with `staged` (good rows and rejects).
STAGING = Stage(
    "staging",
    (
        Step("set_status_input"),
        Step("stg_status_fields_fast", ("status_fields",)),
        Step("stg_lines", ("stg_lines",)),
        Step("stg_status_fields_exact", ("status_fields",)),
        Step("stg_store_status", ("staged",)),
        Step("stg_menu_hours", ("staged",)),
        Step("stg_timezones", ("staged",)),
        Step("status_fast_rejects"),
        Step("staged_counts"),
    ),
)
MERGE = Stage(
    "merge",
    (
        Step("reset_snapshots", ("previous_menu_hours", "previous_timezones")),
        Step("table_sizes"),
        Step("merge_store_status"),
        Step("merge_menu_hours"),
        Step("merge_timezones"),
        Step("forget_rejects"),
        Step("merge_rejects"),
        Step("snapshot_news"),
        Step("record_loads"),
    ),
)
DERIVE = Stage(
    "derive",
    (
        Step("derive_stores", ("stores",)),
        Step("derive_store_zones", ("store_zones",)),
        Step("derive_weekly_spans", ("weekly_spans",)),
        Step("segment_range_polls", ("segment_range",)),
        Step("zone_segments", ("zone_segments",)),
        Step("derive_poll_instants", ("poll_instants",)),
    ),
)
# report_clock runs alone first: without a poll there is no week to build the rest for.
CLOCK = Stage("clock", (Step("report_clock", ("report_clock",)),))
REPORT = Stage(
    "report",
    (
        Step("segment_range_week", ("segment_range",)),
        Step("zone_segments", ("zone_segments",)),
        Step("report_polls", ("report_polls",)),
        Step("report_outages", ("report_outages",)),
        Step("report_business_spans", ("report_business_spans",)),
    ),
)
OUTPUT = Stage("output", (Step("report_now"), Step("store_report")), queries=True)
# Every store's status runs, for the store views a report job keeps (timeline's week_* queries).
WEEKS = Stage("weeks", (Step("report_status_spans", ("report_status_spans",)),))
TIMELINE = Stage(
    "timeline",
    (
        Step("timeline_store"),
        Step("timeline_business"),
        Step("timeline_polls"),
        Step("timeline_status"),
        Step("timeline_figures"),
        Step("week_stores"),
        Step("week_business"),
        Step("week_polls"),
        Step("week_status"),
        Step("week_counted"),
        Step("store_week_row"),
        Step("store_week_lists"),
    ),
    queries=True,
)
QUALITY = Stage(
    "quality",
    (
        Step("rejects_by_reason"),
        Step("stores_lacking_data"),
        Step("stores_polled"),
        Step("polls_per_hour"),
        Step("extrapolated_time"),
    ),
    queries=True,
)
# Read by storemon.engine.freshness on an ingested database: the hot window and the last ingest.
FRESHNESS = Stage("freshness", (Step("data_freshness"),), queries=True)
# Read by storemon.synthetic.generate over its own registered relation gen_polls.
SYNTHETIC = Stage("synthetic", (Step("gen_store_status"),), queries=True)

STAGES = (
    MACROS,
    BASE,
    STAGING,
    MERGE,
    DERIVE,
    CLOCK,
    REPORT,
    OUTPUT,
    WEEKS,
    TIMELINE,
    QUALITY,
    FRESHNESS,
    SYNTHETIC,
)

# How one file is staged: the chain for its kind (store_status falls back to its exact chain when
# the fast read meets any bad row, so that every reject names its line).
STAGING_CHAINS = {
    "store_status": ("set_status_input", "stg_status_fields_fast", "stg_store_status"),
    "store_status_exact": ("stg_lines", "stg_status_fields_exact", "stg_store_status"),
    "menu_hours": ("stg_lines", "stg_menu_hours"),
    "timezones": ("stg_lines", "stg_timezones"),
}

# Where the good rows of a staged file go, by kind (then forget_rejects and merge_rejects run).
MERGE_STEPS = {
    "store_status": "merge_store_status",
    "menu_hours": "merge_menu_hours",
    "timezones": "merge_timezones",
}

# Relations made by more than one step, on purpose (see the module docstring).
SHARED_RELATIONS = {
    "staged": ("stg_store_status", "stg_menu_hours", "stg_timezones"),
    "status_fields": ("stg_status_fields_fast", "stg_status_fields_exact"),
    "segment_range": ("segment_range_polls", "segment_range_week"),
    "zone_segments": ("zone_segments",),
}

# Relations that come from outside the chain: DuckDB's own (the fast CSV reader's rejects), the
# data frame storemon.synthetic.generate registers, and the report's rows that
# storemon.engine.timeline.write_store_weeks registers for week_stores.
EXTERNAL_RELATIONS = ("reject_errors", "gen_polls", "report_rows")


def stage(name: str) -> Stage:
    """Return the stage of this name.

    Args:
        name: A stage (folder) name.

    Returns:
        The stage.

    Raises:
        KeyError: No stage has that name.
    """
    for candidate in STAGES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def folder_of(step: str) -> str:
    """Return the folder (stage name) that holds a step's file.

    Args:
        step: A step name (file stem).

    Returns:
        The stage name.

    Raises:
        KeyError: No stage declares that step.
    """
    for candidate in STAGES:
        if any(s.name == step for s in candidate.steps):
            return candidate.name
    raise KeyError(step)
