-- schema: the tables of an ingested storemon database (created when missing).
-- grain: store_status one row per distinct poll (store, instant, status); menu_hours one row per
-- valid hours row; timezones one row per store; rejects one row per rejected line; loads one row
-- per file per ingest; files one row per loaded file (the registry: size, mtime, fingerprint);
-- poll_copies one row per poll also held by another file; archive_files one row per Parquet file
-- of the archive; hot_window one row (polls before cutoff_us live in the archive); stores one row
-- per store ever polled; poll_instants one row per hot store and instant.
-- params: none
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
    in_hours boolean not null
);

alter table stores add column if not exists first_in_hours_us bigint;

-- The last observation of each store in the archive (an in-hours poll; any poll), so that a
-- report whose week is hot never reads the archive to place a silent store's status.
alter table stores add column if not exists cold_hours_us bigint;
alter table stores add column if not exists cold_hours_active boolean;
alter table stores add column if not exists cold_any_us bigint;
alter table stores add column if not exists cold_any_active boolean;
