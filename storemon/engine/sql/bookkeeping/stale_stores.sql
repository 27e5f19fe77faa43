-- stale_stores: how many stores' kept archived instants no longer hold for a generation.
-- grain: one row
-- params: $generation (the oldest generation of the kept instants a report reads)
-- A store is stale when it has no derive mark or one later than the generation
-- (mark_derived_stores): its polls of those days are derived again (input_archive_stale).
select count(*) as n_stale
from stores
left join derive_marks on stores.store_key = derive_marks.store_key
where derive_marks.generation is null or derive_marks.generation > $generation
