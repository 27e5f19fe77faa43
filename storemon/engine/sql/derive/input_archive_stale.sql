-- input_archive_stale: the polls the next derive_poll_instants reads: archived polls of days whose
-- instants are kept, but of the stores whose kept instants no longer hold.
-- grain: one row per archived poll (temp view derive_input: store_id, timestamp_utc, status)
-- params: $files (list of Parquet paths of polls), $lo, $hi (timestamps: the range [lo, hi)),
--         $generation (the oldest generation of the days' kept instants)
-- A store's kept instants hold while its derive mark is at most their generation
-- (mark_derived_stores); a store without a mark is derived again too.
set variable archive_files = $files;

set variable archive_lo = $lo;

set variable archive_hi = $hi;

set variable archive_generation = $generation;

create or replace temp view derive_input as

with

stale as (
    select stores.store_id
    from stores
    left join derive_marks on stores.store_key = derive_marks.store_key
    where
        derive_marks.generation is null
        or derive_marks.generation > getvariable('archive_generation')
),

final as (
    select
        polls.store_id,
        polls.timestamp_utc,
        polls.status
    from archived_polls(getvariable('archive_files')) as polls
    semi join stale on polls.store_id = stale.store_id
    where
        polls.timestamp_utc >= getvariable('archive_lo')
        and polls.timestamp_utc < getvariable('archive_hi')
)

select * from final
