-- reset_changed_stores: forget the derived rows of the changed stores, to derive them again.
-- grain: one row per changed store (table stores, updated); their poll_instants and store_days
--        rows deleted
-- params: none (reads changed_stores and store_status)
-- A changed store (its hours or zone changed, or it lost polls with a changed file) keeps its
-- key. Its first poll starts again from its hot polls; one without any starts from the largest
-- bigint, lowered by its archived polls (storemon.engine.incremental) and dropped if none
-- (drop_vanished_stores). Its first poll in hours and last archived observation are found again
-- (update_store_firsts, update_store_cold); its instants and days are derived again.
update stores
set
    first_us = coalesce(hot.first_us, 9223372036854775807),
    first_in_hours_us = null,
    cold_hours_us = null,
    cold_hours_active = null,
    cold_any_us = null,
    cold_any_active = null
from (
    select
        changed.store_id,
        epoch_us(min(store_status.timestamp_utc)) as first_us
    from (select distinct store_id from changed_stores) as changed
    left join store_status on changed.store_id = store_status.store_id
    group by changed.store_id
) as hot
where stores.store_id = hot.store_id;

create or replace temp table changed_keys as
select stores.store_key
from stores
semi join changed_stores on stores.store_id = changed_stores.store_id;

delete from poll_instants
where store_key in (select changed_keys.store_key from changed_keys);

delete from store_days
where store_key in (select changed_keys.store_key from changed_keys);
