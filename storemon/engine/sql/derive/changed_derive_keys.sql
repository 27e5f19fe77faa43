-- changed_derive_keys: the stores whose zone and spans are derived again before any poll is:
-- those the load changed (their hours or zone in the new snapshot, or every store on an upgrade).
-- grain: one row per store key (temp table derive_keys)
-- params: none (reads changed_stores and stores)
create or replace temp table derive_keys as
select stores.store_key
from stores
semi join changed_stores on stores.store_id = changed_stores.store_id
