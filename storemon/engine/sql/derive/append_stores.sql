-- append_stores: give the stores first polled by this load the next integer keys.
-- grain: one row per store_id ever polled (table stores), new ones appended
-- params: none (reads new_polls and stores)
-- Keys need not follow store_id order (the report sorts by store_id), so a new store costs its
-- own rows, not a renumbering of every store.
insert into stores

with

new_ids as (
    select
        new_polls.store_id,
        epoch_us(min(new_polls.timestamp_utc)) as first_us
    from new_polls
    anti join stores on new_polls.store_id = stores.store_id
    group by new_polls.store_id
),

final as (
    select
        cast(
            (select coalesce(max(store_key), 0) from stores)
            + row_number() over (order by store_id) as integer
        ) as store_key,
        store_id,
        first_us,
        cast(null as bigint) as first_in_hours_us,
        cast(null as bigint) as cold_hours_us,
        cast(null as boolean) as cold_hours_active,
        cast(null as bigint) as cold_any_us,
        cast(null as boolean) as cold_any_active
    from new_ids
)

select * from final
