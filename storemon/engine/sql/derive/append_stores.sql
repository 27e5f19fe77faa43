-- append_stores: give the stores first polled by the polls about to be derived the next keys.
-- grain: one row per store_id ever polled (table stores), new ones appended; the temp table
-- derive_keys holds the new ones (their zones and spans are derived next)
-- params: none (reads the temp view derive_input and stores)
-- Keys need not follow store_id order (the report sorts by store_id), so a new store costs its
-- own rows, not a renumbering of every store.
create or replace temp table derive_keys as

with

new_ids as (
    select
        derive_input.store_id,
        epoch_us(min(derive_input.timestamp_utc)) as first_us
    from derive_input
    anti join stores on derive_input.store_id = stores.store_id
    group by derive_input.store_id
),

final as (
    select
        cast(
            (select coalesce(max(store_key), 0) from stores)
            + row_number() over (order by store_id) as integer
        ) as store_key,
        store_id,
        first_us
    from new_ids
)

select * from final;

insert into stores
select
    store_key,
    store_id,
    first_us,
    cast(null as bigint) as first_in_hours_us,
    cast(null as bigint) as cold_hours_us,
    cast(null as boolean) as cold_hours_active,
    cast(null as bigint) as cold_any_us,
    cast(null as boolean) as cold_any_active
from derive_keys
