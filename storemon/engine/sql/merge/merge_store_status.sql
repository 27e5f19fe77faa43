-- merge_store_status: append the good staged polls that the database does not hold yet.
-- grain: one row per new poll (store_id, timestamp_utc, status)
-- params: none (reads the temp table `staged` made by stg_store_status)
-- Re-loading a file therefore adds nothing, and one more hourly file adds only its new polls.
-- (Identical lines within one new file are kept as they are; the report collapses polls of the
-- same store and instant anyway.)
insert into store_status

with

good as (
    select
        store_id,
        timestamp_utc,
        status
    from staged
    where reject_reason is null
),

final as (
    select
        good.store_id,
        good.timestamp_utc,
        good.status
    from good
    anti join store_status
        on
            good.store_id = store_status.store_id
            and good.timestamp_utc = store_status.timestamp_utc
            and good.status = store_status.status
)

select * from final
