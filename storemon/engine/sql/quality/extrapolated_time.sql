-- extrapolated_time: business time far from every observation, where the status is a guess.
-- grain: one row per store of the report and window (last_hour, last_day, last_week) that holds
-- business time; reads the report_* temp tables of storemon.report.prepare_report
-- params: $reach_us (how far an observation vouches for the status, in microseconds)
-- An observation at t vouches for [t - reach, t + reach]; business time outside the union of
-- these neighbourhoods is extrapolated. Times are ticks (half-microseconds, suffix _hus) like
-- report_*.
with

report_windows as (
    select
        windows.report_window,
        2 * (report_clock.now_us - windows.length_us) as w_lo_hus,
        2 * report_clock.now_us as w_hi_hus
    from report_clock
    cross join (
        values
        ('last_hour', 3600000000),
        ('last_day', 86400000000),
        ('last_week', 604800000000)
    ) as windows (report_window, length_us)
),

window_spans as (
    select
        report_business_spans.store_key,
        report_windows.report_window,
        greatest(report_business_spans.lo_hus, report_windows.w_lo_hus) as lo_hus,
        least(report_business_spans.hi_hus, report_windows.w_hi_hus) as hi_hus
    from report_business_spans
    inner join report_windows
        on
            report_business_spans.lo_hus < report_windows.w_hi_hus
            and report_business_spans.hi_hus > report_windows.w_lo_hus
),

-- Every neighbourhood has the same length, so the one before a poll reaches furthest: a poll
-- starts a union of neighbourhoods (an island) when the gap to the store's previous observation
-- is over 2 reach, and ends one when the gap to its next one is. One sort finds both.
gaps as (
    select
        store_key,
        t_us,
        coalesce(t_us - lag(t_us) over by_time > 2 * cast($reach_us as bigint), true) as starts,
        coalesce(lead(t_us) over by_time - t_us > 2 * cast($reach_us as bigint), true) as ends
    from report_polls
    where observed
    window by_time as (partition by store_key order by t_us)
),

-- An island runs from its first poll to the next poll that ends one (itself, when it ends it).
vouched as (
    select
        store_key,
        2 * (t_us - $reach_us) as lo_hus,
        2 * (case when ends then t_us else lead(t_us) over by_time end + $reach_us) as hi_hus
    from gaps
    where starts or ends
    window by_time as (partition by store_key order by t_us)
    qualify starts
),

business as (
    select
        store_key,
        report_window,
        sum(hi_hus - lo_hus) as business_hus
    from window_spans
    group by store_key, report_window
),

covered as (
    select
        window_spans.store_key,
        window_spans.report_window,
        sum(
            least(window_spans.hi_hus, vouched.hi_hus)
            - greatest(window_spans.lo_hus, vouched.lo_hus)
        ) as covered_hus
    from window_spans
    inner join vouched
        on
            window_spans.store_key = vouched.store_key
            and window_spans.hi_hus > vouched.lo_hus
            and window_spans.lo_hus < vouched.hi_hus
    group by window_spans.store_key, window_spans.report_window
),

final as (
    select
        business.store_key,
        business.report_window,
        business.business_hus / 7200000000 as business_hours,
        (business.business_hus - coalesce(covered.covered_hus, 0)) / 7200000000
            as extrapolated_hours
    from business
    left join covered
        on
            business.store_key = covered.store_key
            and business.report_window = covered.report_window
)

select * from final
