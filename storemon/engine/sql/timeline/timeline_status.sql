-- timeline_status: one store's interpolated status over the report's week window.
-- grain: one row per maximal run of one status, [lo_hus, hi_hus) in ticks (half-microseconds),
-- clipped to the week window [week start, now), in time order
-- params: $store_id (the store's id as in the data)
-- Read off report_outages, the very spans the report counts as down (so the picture can never
-- disagree with the numbers): the store is inactive in its outages and active in the gaps
-- between them, from the window's start to `now`.
with

store as (
    select store_key from stores
    where store_id = $store_id
),

bounds as (
    select
        2 * week_start_us as w_lo_hus,
        2 * now_us as w_hi_hus
    from report_clock
),

inactive as (
    select
        report_outages.run_lo_hus as lo_hus,
        report_outages.run_hi_hus as hi_hus
    from report_outages
    inner join store on report_outages.store_key = store.store_key
),

gaps_before as (
    select
        coalesce(lag(inactive.hi_hus) over (order by inactive.lo_hus), bounds.w_lo_hus) as lo_hus,
        inactive.lo_hus as hi_hus
    from inactive
    cross join bounds
),

gap_after as (
    select
        coalesce(max(inactive.hi_hus), any_value(bounds.w_lo_hus)) as lo_hus,
        any_value(bounds.w_hi_hus) as hi_hus
    from bounds
    left join inactive on true
),

final as (
    select
        false as active,
        lo_hus,
        hi_hus
    from inactive
    union all
    select
        true as active,
        lo_hus,
        hi_hus
    from gaps_before
    where lo_hus < hi_hus
    union all
    select
        true as active,
        lo_hus,
        hi_hus
    from gap_after
    where lo_hus < hi_hus
    order by lo_hus
)

select * from final
