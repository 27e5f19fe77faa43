-- keep_changed_batch: keep in batch_instants only the instants of the changed stores.
-- grain: n/a (delete)
-- params: none (reads stores and changed_stores)
delete from batch_instants
where store_key not in (
    select stores.store_key
    from stores
    semi join changed_stores on stores.store_id = changed_stores.store_id
)
