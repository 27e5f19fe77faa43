-- drop_vanished_stores: remove the changed stores left without any poll, hot or archived.
-- grain: n/a (delete from stores, store_zones, weekly_spans and day_spans)
-- params: none (reads changed_keys and stores: reset_changed_stores marked such a store's first
--         poll with the largest bigint, and no poll lowered it)
create or replace temp table vanished_keys as
select stores.store_key
from stores
semi join changed_keys on stores.store_key = changed_keys.store_key
where stores.first_us = 9223372036854775807;

delete from store_zones
where store_key in (select vanished_keys.store_key from vanished_keys);

delete from weekly_spans
where store_key in (select vanished_keys.store_key from vanished_keys);

delete from day_spans
where store_key in (select vanished_keys.store_key from vanished_keys);

delete from stores
where store_key in (select vanished_keys.store_key from vanished_keys);
