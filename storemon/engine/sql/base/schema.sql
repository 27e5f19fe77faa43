-- schema: the tables of an ingested storemon database (created when missing).
-- grain: store_status one row per distinct poll (store, instant, status); menu_hours one row per
-- valid hours row; timezones one row per store; rejects one row per rejected line; loads one row
-- per file per ingest.
-- params: none
create table if not exists store_status (
    store_id varchar not null,
    timestamp_utc timestamp not null,
    status varchar not null
);

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
