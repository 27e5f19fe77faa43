-- derive_every_store_again: a database made by an older storemon gets every store's derived rows
-- again (DERIVE_CHANGED with every store changed), from its hot and archived polls.
-- grain: one row per store (changed_stores); new_polls gains the hot polls of stores without a
--        key (a database made before the stores table), for append_stores to key them
-- params: none (reads store_status and stores; runs after begin_batch)
insert into new_polls
select
    store_status.store_id,
    store_status.timestamp_utc,
    store_status.status
from store_status
anti join stores on store_status.store_id = stores.store_id;

insert into changed_stores
select stores.store_id from stores
union
select distinct new_polls.store_id from new_polls;
