-- data_freshness: how fresh an ingested database is: the span of the polls it holds (the hot
-- window), its last ingest, and how many stores and polls it holds. Reads min/max of one column,
-- the loads table and two table sizes: no other scan; and the retention its last load kept.
-- grain: one row
-- params: none
with

polls as (
    select
        min(timestamp_utc) as oldest_poll,
        max(timestamp_utc) as latest_poll,
        count(*) as polls_hot
    from store_status
),

ingests as (
    select max(loaded_at) as last_ingest
    from loads
),

polled_stores as (
    select count(*) as n_stores
    from stores
),

info as (
    select max(retention_days) as retention_days
    from storemon_info
),

final as (
    select
        polls.oldest_poll,
        polls.latest_poll,
        ingests.last_ingest,
        polled_stores.n_stores,
        polls.polls_hot,
        info.retention_days
    from polls
    cross join ingests
    cross join polled_stores
    cross join info
)

select * from final
