"""The SQL chain, declared once: each stage's steps in the order they run, and what each makes.

A step is one file, ``sql/<stage>/<step>.sql``. Statement stages build relations for the stages
after them; query stages only read (their files end in a ``select`` whose rows the caller takes).
``storemon.engine.load`` and ``storemon.engine.report`` run their stages from here, and
``tests/test_sql.py`` checks the chain: every relation a step reads is a base table of
``schema`` or is made by an earlier step.

A relation may be made by more than one step only when :data:`SHARED_RELATIONS` says so: the
loader stages one piece of a file at a time into ``scanned_lines`` and ``staged``, and
``zone_segments`` is built once over the polls (for ``poll_instants``) and again over a
report's week window.
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
    (
        *(Step(name, (name,)) for name in ("merge_spans", "hundredths_half_up", "archived_polls")),
        *(Step(name, (name,)) for name in ("clip_runs", "outage_runs", "business_ticks")),
        *(Step(name, (name,)) for name in ("time_parts", "week_ticks_before")),
        *(Step(name, (name,)) for name in ("local_business_ticks", "store_business_ticks")),
    ),
)
BASE = Stage(
    "base",
    (
        Step(
            "schema",
            (
                "store_status",
                "menu_hours",
                "timezones",
                "rejects",
                "loads",
                "files",
                "poll_copies",
                "archive_files",
                "archive_instant_files",
                "archive_links",
                "derive_generation",
                "derive_marks",
                "hot_window",
                "stores",
                "poll_instants",
                "store_zones",
                "weekly_spans",
                "day_spans",
                "store_days",
                "storemon_info",
            ),
        ),
    ),
)
# Per file, one chain of STAGING_CHAINS runs; each ends with `staged` (good rows and rejects).
STAGING = Stage(
    "staging",
    (
        Step("stg_scan_csv", ("scanned_lines",)),
        Step("stg_scan_text", ("scanned_lines",)),
        Step("stg_lines", ("stg_lines",)),
        Step("stg_store_status", ("staged",)),
        Step("stg_menu_hours", ("staged",)),
        Step("stg_timezones", ("staged",)),
        Step("staged_counts"),
        Step("staged_retry_at"),
    ),
)
MERGE = Stage(
    "merge",
    (
        Step("begin_batch", ("archive_forgotten", "changed_stores")),
        Step("reject_implausible_polls"),
        Step("reset_snapshots", ("previous_menu_hours", "previous_timezones")),
        Step("forget_file_polls", ("forgotten", "restored_copies")),
        Step("table_sizes"),
        Step("merge_store_status", ("held_polls",)),
        Step("merge_menu_hours"),
        Step("merge_timezones"),
        Step("forget_rejects"),
        Step("merge_rejects"),
        Step("snapshot_news"),
        Step("snapshot_changed_stores"),
        Step("snapshot_dropped_stores"),
        Step("record_file"),
        Step("record_loads"),
        Step("record_info"),
    ),
)
# A load into a database of an older schema version (storemon.engine.schema) marks every store
# changed before any file loads (derive again), or links every instant once (from schema 2).
UPGRADE = Stage("upgrade", (Step("derive_every_store_again"), Step("link_every_instant")))
DERIVE = Stage(
    "derive",
    (
        Step("begin_instants", ("raw_instants", "kept_instants")),
        Step("changed_derive_keys", ("derive_keys",)),
        Step("input_changed_polls", ("derive_input",)),
        Step("input_new_polls", ("derive_input",)),
        Step("input_first_polls", ("derive_input",)),
        Step("input_archive_polls", ("derive_input",)),
        Step("input_archive_files", ("derive_input",)),
        Step("input_archive_stale", ("derive_input",)),
        Step("append_stores", ("derive_keys",)),
        Step("derive_store_zones"),
        Step("derive_weekly_spans"),
        Step("begin_day_spans", ("derive_keys",)),
        Step("derive_day_spans"),
        Step("reset_changed_stores", ("changed_keys",)),
        Step("segment_range_polls", ("segment_range",)),
        Step("zone_segments", ("zone_segments",)),
        Step("derive_poll_instants"),
        Step("dedupe_instants", ("batch_instants",)),
        Step("first_batch_instants", ("batch_instants",)),
        Step("link_stores", ("link_stores",)),
        Step("link_instants", ("instant_links",)),
        Step("merge_poll_instants"),
        Step("link_first_load", ("first_linked",)),
        Step("store_days_batch", ("touched_days",)),
        Step("update_store_firsts"),
        Step("cold_from_batch", ("cold_instants",)),
        Step("update_store_cold"),
        Step("drop_vanished_stores", ("vanished_keys",)),
        Step("mark_derived_stores"),
        Step("link_first_hot", ("first_hot_keys",)),
    ),
)
# How a load derives (storemon.engine.incremental): the zone and spans of the stores it changed
# (DERIVE_SPANS, before any poll), then a pass per merged piece (DERIVE_NEW) and one over the
# changed stores' hot polls (DERIVE_CHANGED): an input step, then DERIVE_PASS (new stores keyed,
# their zone and spans, the instants appended to raw_instants); then merged once (DERIVE_MERGE:
# one row per store and instant, each in hours linked to the one before).
DERIVE_SPANS = ("derive_store_zones", "derive_weekly_spans", "derive_day_spans")
INSTANTS = ("segment_range_polls", "zone_segments", "derive_poll_instants")
DERIVE_PASS = ("append_stores", *DERIVE_SPANS, *INSTANTS)
DERIVE_NEW = ("input_new_polls", *DERIVE_PASS)
# A load into a database that held no poll derives every poll in one pass once all are merged.
DERIVE_FIRST = ("input_first_polls", *DERIVE_PASS)
DERIVE_CHANGED = ("input_changed_polls", *DERIVE_PASS)
_DAYS = ("store_days_batch", "update_store_firsts")
DERIVE_MERGE = ("dedupe_instants", "link_stores", "link_instants", "merge_poll_instants", *_DAYS)
# Into a database holding no instant yet (bookkeeping's first_link): one window dedupes and links.
DERIVE_FIRST_MERGE = ("first_batch_instants", "link_stores", "link_first_load", *_DAYS)
DERIVE_ARCHIVED = ("begin_instants", "input_archive_polls", *INSTANTS, "dedupe_instants")
# Every store's day spans: a partition's worker (its export leaves them out), a schema-1 database.
DAY_SPANS = ("begin_day_spans", "derive_day_spans")
DERIVE_ARCHIVED_WORKER = (*DAY_SPANS, *DERIVE_ARCHIVED)  # a worker's stores' archived polls
# archive_read.read_archived's passes: days without kept instants, stores whose kept ones lapsed.
ARCHIVED_DAYS_PASS = ("input_archive_files", *INSTANTS)
ARCHIVED_STALE_PASS = ("input_archive_stale", *INSTANTS)
# Hot polls older than the retention window go to Parquet; reports read them back.
ARCHIVE = Stage(
    "archive",
    (
        Step("archive_days"),
        Step("archive_day_polls"),
        Step("archive_day_rest"),
        Step("archived_file_polls"),
        Step("read_archive_changed", ("archive_polls",)),
        Step("register_archive_file"),
        Step("archive_cold_instants", ("cold_instants",)),
        Step("archive_day_instants"),
        Step("register_instant_file"),
        Step("drop_instant_day"),
        Step("stale_archive_links"),
        Step("drop_archived"),
    ),
)
# report_clock runs alone first: without a poll there is no week to build the rest for.
CLOCK = Stage("clock", (Step("report_clock", ("report_clock",)),))
REPORT = Stage(
    "report",
    (
        Step("read_kept_instants"),
        Step("no_archive_instants", ("archive_instants",)),
        Step("keep_archive_instants", ("archive_instants",)),
        Step("report_instants", ("report_instants", "report_older_instants")),
        Step("report_needy", ("report_needy",)),
        Step("report_fallback"),
        Step("report_cold_stores"),
        Step("segment_range_week", ("segment_range",)),
        Step("zone_segments", ("zone_segments",)),
        Step("report_polls", ("report_unpolled_stores", "report_polls")),
        Step("report_outages", ("report_outages",)),
        Step("report_business_spans", ("report_business_spans",)),
    ),
)
# A trend: the report's steps over all its periods, TREND, then TREND_CUT per window.
_EARLY = ("trend_early_outages",)
_BUSINESS = ("trend_zones", "trend_week_spans", "trend_store_segments")
TREND = Stage("trend", (Step("trend_early_outages", _EARLY), Step("trend_business", _BUSINESS)))
_TICKS = (
    *("trend_clock", "trend_store_periods", "trend_zone_bounds", "trend_place_ticks"),
    "trend_piece_ticks",
)
TREND_CUT = Stage("trend_cut", (Step("trend_ticks", _TICKS),))
_OUTPUTS = (
    "report_now",
    "store_report",
    "trend_stores",
    "trend_points",
    "trend_rows",
)
OUTPUT = Stage("output", tuple(Step(name) for name in _OUTPUTS), queries=True)
# Every store's status runs, for the store views a report job keeps (timeline's week_* queries).
WEEKS = Stage("weeks", (Step("report_status_spans", ("report_status_spans",)),))
TIMELINE = Stage(
    "timeline",
    (
        *(Step(name) for name in ("timeline_store", "timeline_business", "timeline_polls")),
        *(Step(name) for name in ("timeline_status", "timeline_figures", "week_stores")),
        *(Step(name) for name in ("week_business", "week_polls", "week_status", "week_counted")),
        *(Step(name) for name in ("store_week_row", "store_week_lists", "store_zones")),
    ),
    queries=True,
)
_QUALITY = ("rejects_by_reason", "stores_lacking_data", "stores_polled", "polls_per_hour")
QUALITY = Stage(
    "quality", tuple(Step(name) for name in (*_QUALITY, "extrapolated_time")), queries=True
)
# Read by storemon.engine.freshness on an ingested database: the hot window and the last ingest.
FRESHNESS = Stage("freshness", (Step("data_freshness"),), queries=True)

# Small lookups of the loader and the report: the registry, the archive's listing, the window.
_REGISTRY = ("registry_files", "load_batch_counts", "held_polls", "forgotten_days")
_ARCHIVE_LOOKUPS = ("archive_listing", "instant_listing", "has_instant_listing", "stale_stores")
_WINDOW = ("hot_cutoff", "latest_poll", "first_poll", "first_link", "polls_held")
_DATABASE = ("database_path", "schema_state", "schema_version")
BOOKKEEPING = Stage(
    "bookkeeping",
    tuple(Step(name) for name in (*_REGISTRY, *_ARCHIVE_LOOKUPS, *_WINDOW, *_DATABASE)),
    queries=True,
)
# Partitioned reports (storemon.engine.partition): each store's bucket, the tables a report reads
# exported as Parquet partitioned by bucket, and a worker's tables read back from its buckets.
PARTITION = Stage("partition", (Step("partition_keys", ("partition_keys",)),))
PARTITION_TABLES = ("stores", "poll_instants", "store_days", "weekly_spans", "store_zones")
PARTITION_EXPORT = Stage(
    "partition_export", tuple(Step(f"export_{table}") for table in PARTITION_TABLES), queries=True
)
PARTITION_LOAD = Stage("partition_load", (Step("partition_tables", PARTITION_TABLES),))
# A worker's archive (storemon.engine.partition_task): the coordinator's listing and hot window,
# then its own stores' archived polls of a range (for DERIVE_ARCHIVED), run one by one.
PARTITION_ARCHIVE = Stage(
    "partition_archive",
    (Step("partition_archive_window"), Step("partition_archive_polls", ("archive_polls",))),
)
# The index of a partitioned report job's store weeks (storemon.engine.partition).
PARTITION_WEEKS = Stage("partition_weeks", (Step("partition_week_index"),), queries=True)
# Read by storemon.synthetic.generate over its own registered relation gen_polls.
SYNTHETIC = Stage("synthetic", (Step("gen_store_status"),), queries=True)

STAGES = (
    *(MACROS, BASE, STAGING, MERGE, UPGRADE, ARCHIVE, DERIVE, CLOCK, REPORT, TREND, TREND_CUT),
    *(OUTPUT, WEEKS, TIMELINE, QUALITY, FRESHNESS, BOOKKEEPING, PARTITION, PARTITION_EXPORT),
    *(PARTITION_LOAD, PARTITION_ARCHIVE, PARTITION_WEEKS, SYNTHETIC),
)

# A piece of a file is staged: its lines scanned (SCAN_STEPS: DuckDB's CSV scanner where it
# splits them as the one reading path does, else as text), then the chain for its kind. Every
# kind reads its lines the same way (stg_lines: one path), then types its own fields.
SCAN_STEPS = ("stg_scan_csv", "stg_scan_text")
# A status chain ends with reject_implausible_polls (polls in the future or before 2000).
STAGING_CHAINS = {
    "store_status": ("stg_lines", "stg_store_status", "reject_implausible_polls"),
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
    "scanned_lines": SCAN_STEPS,
    "staged": ("stg_store_status", "stg_menu_hours", "stg_timezones"),
    "segment_range": ("segment_range_polls", "segment_range_week"),
    "zone_segments": ("zone_segments",),
    "derive_input": (
        "input_changed_polls",
        "input_new_polls",
        "input_first_polls",
        "input_archive_polls",
        "input_archive_files",
        "input_archive_stale",
    ),
    "derive_keys": ("changed_derive_keys", "append_stores", "begin_day_spans"),
    "archive_instants": ("no_archive_instants", "keep_archive_instants"),
    "cold_instants": ("archive_cold_instants", "cold_from_batch"),
    "batch_instants": ("dedupe_instants", "first_batch_instants"),
}
# A load's changed stores, and a partition's worker, read archived polls into archive_polls.
SHARED_RELATIONS["archive_polls"] = ("read_archive_changed", "partition_archive_polls")
# A partition's worker reads the report's tables (created empty by schema) from Parquet.
for _relation in PARTITION_LOAD.steps[0].makes:
    SHARED_RELATIONS[_relation] = ("schema", "partition_tables")
# The report steps after report_clock when no archived poll is needed (REPORT_STEPS_ARCHIVED
# reads the archive's instants first).
REPORT_STEPS = (
    *("no_archive_instants", "report_instants", "report_needy", "report_fallback"),
    *("segment_range_week", "zone_segments", "report_polls", "report_outages"),
    "report_business_spans",
)
REPORT_STEPS_ARCHIVED = ("keep_archive_instants", *REPORT_STEPS[1:])
# The step sequences the package runs by name (tests/test_sql.py checks every file is run).
SEQUENCES = (
    DERIVE_SPANS,
    DAY_SPANS,
    DERIVE_NEW,
    DERIVE_FIRST,
    DERIVE_CHANGED,
    DERIVE_MERGE,
    DERIVE_FIRST_MERGE,
    DERIVE_ARCHIVED,
    DERIVE_ARCHIVED_WORKER,
    ARCHIVED_DAYS_PASS,
    ARCHIVED_STALE_PASS,
    REPORT_STEPS,
    REPORT_STEPS_ARCHIVED,
    tuple(step.name for step in PARTITION_EXPORT.steps),
)

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
