-- derive_every_store_again: a database made by an older storemon gets every store's derived rows
-- again (as for any changed store), from its hot and archived polls.
-- grain: one row per store (changed_stores): every store with a key, and every store polled
--        without one (a database made before the stores table: the changed stores' derive pass
--        keys it, append_stores)
-- params: none (reads store_status and stores; runs after begin_batch, before any file loads)
insert into changed_stores
select stores.store_id from stores
union
select distinct store_status.store_id from store_status
