-- timeline_status: one store's interpolated status over the report's week window.
-- grain: one row per maximal run of one status, [lo, hi) in ticks (half-microseconds), clipped
-- to the week window [week start, now), in time order
-- params: $store_id (the store's id as in the data), $method ('nearest' | 'carry_forward')
-- The same rule as report_outages: each observation holds from the change point before it to
-- the change point after it (nearest: half way to its neighbours, exactly half way the later
-- one; carry_forward: from itself to the next one). Before the first observation and after the
-- last, theirs holds (+-2^62 stand for the open ends before clipping to the window).
with

store as (
    select store_key from stores
    where store_id = $store_id
),

observations as (
    select
        report_polls.t_us,
        report_polls.active,
        lag(report_polls.t_us) over by_time as previous_t_us,
        lead(report_polls.t_us) over by_time as next_t_us
    from report_polls
    inner join store on report_polls.store_key = store.store_key
    where report_polls.observed
    window by_time as (order by report_polls.t_us)
),

held as (
    select
        active,
        case
            when previous_t_us is null then -4611686018427387904
            when $method = 'nearest' then previous_t_us + t_us
            else 2 * t_us
        end as lo,
        case
            when next_t_us is null then 4611686018427387904
            when $method = 'nearest' then t_us + next_t_us
            else 2 * next_t_us
        end as hi
    from observations
),

clipped as (
    select
        held.active,
        greatest(held.lo, 2 * report_clock.week_start_us) as lo,
        least(held.hi, 2 * report_clock.now_us) as hi
    from held
    cross join report_clock
    where
        held.lo < 2 * report_clock.now_us
        and held.hi > 2 * report_clock.week_start_us
),

-- Consecutive spans of one status form one run (gaps-and-islands on the row numbers).
runs as (
    select
        active,
        lo,
        hi,
        row_number() over (order by lo)
        - row_number() over (partition by active order by lo) as run
    from clipped
),

final as (
    select
        active,
        min(lo) as lo,
        max(hi) as hi
    from runs
    group by active, run
    order by lo
)

select * from final
