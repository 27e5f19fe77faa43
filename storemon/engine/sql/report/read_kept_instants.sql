-- read_kept_instants: read the kept instants of archived days beside the instants derived for a
-- report (batch_instants), for the stores whose kept instants still hold.
-- grain: one row per store and instant (temp table kept_instants, appended), with its link to
-- the previous instant in hours where that still holds (archive_links: after a change to an
-- archived day, a link made before may skip an instant the change added)
-- params: $files (list of Parquet paths of kept instants), $lo_us, $hi_us (the range
--         [lo, hi) in microseconds), $generation (the oldest generation of these files),
--         $changes_from_us (from this instant on, only the instants a trend reads; 2^62: all)
-- The other stores' polls of these days were derived again (input_archive_stale): the two sets
-- of stores are apart, so each store and instant is still one row.
insert into kept_instants

with

kept as (
    select
        store_key,
        t_us,
        active,
        in_hours,
        case
            when
                prev_packed >> 1 >= coalesce(
                    (select max(archive_links.from_us) from archive_links),
                    -4611686018427387904
                )
                then prev_packed
        end as prev_packed
    from read_parquet($files)
    where t_us >= $lo_us and t_us < $hi_us
),

current_marks as (
    select store_key
    from derive_marks
    where generation <= $generation
),

-- The keys are dense integers: the rows kept are those in the range of the current marks'
-- keys and not among the few other keys of that range (none, usually). Probing that small set
-- stays in the CPU's cache, where a join of every instant with all the marks misses it.
key_range as (
    select
        min(store_key) as lo,
        max(store_key) as hi
    from current_marks
),

other_keys as (
    select unnest(range(key_range.lo, key_range.hi + 1)) as store_key
    from key_range
    except
    select store_key
    from current_marks
),

-- A trend reads its outages (report_outages, trend_early_outages) and, before the look-back,
-- the last observation (report_needy, report_fallback), not every poll as a report's timelines
-- do: from $changes_from_us on, an instant linked to one of the same status from then on cannot
-- change the status (it is not among report_outages' candidates) and stays out. A store's first
-- instant in hours there is linked to none or to an older one, so a store has an observation
-- wherever it had one; an instant out of hours has no link and stays (the observations of a
-- store with no poll in hours yet: picking those of such stores alone would take a join of
-- every instant with the stores, which costs more than it saves).
final as (
    select
        kept.store_key,
        kept.t_us,
        kept.active,
        kept.in_hours,
        kept.prev_packed
    from kept
    cross join key_range
    anti join other_keys on kept.store_key = other_keys.store_key
    where
        kept.store_key between key_range.lo and key_range.hi
        and (
            kept.t_us < $changes_from_us
            or kept.prev_packed is null
            or (kept.prev_packed & 1 = 1) != kept.active
            or kept.prev_packed >> 1 < $changes_from_us
        )
)

select * from final
