-- schema: the tables of an ingested storemon database (created when missing).
-- grain: one row per distinct poll (store_status), hours row (menu_hours, weekly_spans), store
-- (timezones, stores, store_zones), rejected line (rejects), file and ingest (loads), loaded
-- file (files), hot store and instant (poll_instants) or day (store_days); see below for the
-- rest
-- params: none
-- poll_copies: one row per poll another file holds too; archive_files: one row per Parquet file
-- of the archive; hot_window: one row (polls before cutoff_us live in the archive); storemon_info:
-- one row.
create table if not exists store_status (
    store_id varchar not null,
    timestamp_utc timestamp not null,
    status varchar not null
);

-- Databases made before the file registry lack the column: their polls' file is unknown (null).
alter table store_status add column if not exists source_file varchar;

create table if not exists menu_hours (
    store_id varchar not null,
    day_of_week tinyint not null,
    start_time_local time not null,
    end_time_local time not null,
    source_file varchar not null,
    line bigint not null
);

create table if not exists timezones (
    store_id varchar not null,
    timezone_str varchar not null,
    source_file varchar not null,
    line bigint not null
);

create table if not exists rejects (
    source_file varchar not null,
    line bigint not null,
    reason varchar not null,
    raw varchar
);

create table if not exists loads (
    loaded_at timestamp not null,
    source_file varchar not null,
    kind varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_already_loaded bigint not null,
    rows_rejected bigint not null
);

create table if not exists files (
    source_file varchar not null,
    kind varchar not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    loaded_bytes bigint not null,
    n_lines bigint not null,
    fingerprint varchar not null,
    rows_read bigint not null,
    rows_good bigint not null,
    loaded_at timestamp not null
);

-- When a file's polls rejected as in the future are due (the earliest of them less the skew
-- allowed): a load from then on reads the file again whole (null: none).
alter table files add column if not exists retry_at timestamp;

create table if not exists poll_copies (
    store_id varchar not null,
    timestamp_utc timestamp not null,
    status varchar not null,
    source_file varchar not null
);

create table if not exists archive_files (
    path varchar not null,
    day date not null,
    n_rows bigint not null
);

-- The poll instants of an archived day as the hot database held them when the day left it
-- (Parquet files beside the day's polls, storemon.engine.archive), so that a report or trend
-- reads them instead of deriving them again; generation: derive_generation then.
create table if not exists archive_instant_files (
    path varchar not null,
    day date not null,
    generation bigint not null
);

-- The kept instants' links (prev_packed, see poll_instants) hold for the instants that follow
-- their predecessor from from_us on (at most one row; none: from the start). A load that changes
-- an archived day (late polls, a changed file) sets it to the hot cutoff: a link made before
-- that may skip an instant the change added.
create table if not exists archive_links (
    from_us bigint not null
);

-- Counts the loads that derived instants (one row); derive_marks holds, per store, the count
-- when its instants were last derived from scratch (a new store, new hours or zone, lost polls).
-- A store's kept archived instants are current while its mark is at most their generation.
create table if not exists derive_generation (
    generation bigint not null
);

create table if not exists derive_marks (
    store_key integer not null,
    generation bigint not null
);

create table if not exists hot_window (
    cutoff_us bigint not null
);

create table if not exists stores (
    store_key integer not null,
    store_id varchar not null,
    first_us bigint not null,
    first_in_hours_us bigint,
    cold_hours_us bigint,
    cold_hours_active boolean,
    cold_any_us bigint,
    cold_any_active boolean
);

create table if not exists poll_instants (
    store_key integer not null,
    t_us bigint not null,
    active boolean not null,
    in_hours boolean not null,
    prev_packed bigint
);

alter table stores add column if not exists first_in_hours_us bigint;

-- Each in-hours instant's predecessor, the store's previous instant in business hours packed as
-- 2 * t_us + active (derive/link_instants): a report finds where outages start and end from the
-- instants alone, without ordering them.
alter table poll_instants add column if not exists prev_packed bigint;

-- The last observation of each store in the archive (an in-hours poll; any poll), so that a
-- report whose week is hot never reads the archive to place a silent store's status.
alter table stores add column if not exists cold_hours_us bigint;
alter table stores add column if not exists cold_hours_active boolean;
alter table stores add column if not exists cold_any_us bigint;
alter table stores add column if not exists cold_any_active boolean;

-- Each store's zone and its business hours as spans of its local week (derive_store_zones,
-- derive_weekly_spans): rows replaced store by store.
create table if not exists store_zones (
    store_key integer,
    zone varchar
);

create table if not exists weekly_spans (
    store_key integer,
    dow tinyint,
    s bigint,
    e bigint
);

-- The same hours merged into disjoint spans of the local week and cut at local midnights
-- (derive_day_spans, with weekly_spans): what places a poll in or out of business hours.
create table if not exists day_spans (
    store_key integer,
    day_no bigint,
    lo bigint,
    hi bigint
);

-- Each hot store's last observations of each UTC day, so that a report finds a store's last
-- observation before its look-back without reading the older hot polls.
create table if not exists store_days (
    store_key integer not null,
    day_no bigint not null,
    last_hours_us bigint,
    last_hours_active boolean,
    last_any_us bigint not null,
    last_any_active boolean not null
);

-- The schema version this database follows (storemon.engine.schema) and the retention in days of
-- its hot window (null: every poll kept hot): one row, written by every load.
create table if not exists storemon_info (
    schema_version integer not null,
    retention_days integer
);
