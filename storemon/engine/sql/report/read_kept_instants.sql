-- read_kept_instants: add the kept instants of archived days to the instants derived for a
-- report (batch_instants), for the stores whose kept instants still hold.
-- grain: one row per store and instant (temp table batch_instants, appended)
-- params: $files (list of Parquet paths of kept instants), $lo_us, $hi_us (the range
--         [lo, hi) in microseconds), $generation (the oldest generation of these files)
-- The other stores' polls of these days were derived again (input_archive_stale): the two sets
-- of stores are apart, so each store and instant is still one row.
insert into batch_instants

with

kept as (
    select
        store_key,
        t_us,
        active,
        in_hours
    from read_parquet($files)
    where t_us >= $lo_us and t_us < $hi_us
),

current_marks as (
    select store_key
    from derive_marks
    where generation <= $generation
),

final as (
    select
        kept.store_key,
        kept.t_us,
        kept.active,
        kept.in_hours
    from kept
    semi join current_marks on kept.store_key = current_marks.store_key
)

select * from final
