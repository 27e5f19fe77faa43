-- extrapolated_time: business time far from every observation, where the status is a guess.
-- grain: one row per store of the report and window (last_hour, last_day, last_week) that holds
-- business time; reads the report_* temp tables of storemon.report.prepare_report
-- params: $reach_us (how far an observation vouches for the status, in microseconds)
-- An observation at t vouches for [t - reach, t + reach]; business time outside the union of
-- these neighbourhoods is extrapolated. Times are ticks (half-microseconds) like report_*.
with

report_windows as (
    select
        windows.report_window,
        2 * (report_clock.now_us - windows.length_us) as w_lo,
        2 * report_clock.now_us as w_hi
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
        greatest(report_business_spans.lo, report_windows.w_lo) as lo,
        least(report_business_spans.hi, report_windows.w_hi) as hi
    from report_business_spans
    inner join report_windows
        on
            report_business_spans.lo < report_windows.w_hi
            and report_business_spans.hi > report_windows.w_lo
),

neighbourhoods as (
    select
        store_key,
        2 * (t_us - $reach_us) as lo,
        2 * (t_us + $reach_us) as hi
    from report_polls
    where observed
),

reaching as (
    select
        store_key,
        lo,
        hi,
        max(hi) over (
            partition by store_key order by lo, hi
            rows between unbounded preceding and 1 preceding
        ) as reach
    from neighbourhoods
),

islands as (
    select
        store_key,
        lo,
        hi,
        sum(case when reach is null or lo > reach then 1 else 0 end) over (
            partition by store_key order by lo, hi rows unbounded preceding
        ) as island
    from reaching
),

vouched as (
    select
        store_key,
        min(lo) as lo,
        max(hi) as hi
    from islands
    group by store_key, island
),

business as (
    select
        store_key,
        report_window,
        sum(hi - lo) as business_ticks
    from window_spans
    group by store_key, report_window
),

covered as (
    select
        window_spans.store_key,
        window_spans.report_window,
        sum(
            least(window_spans.hi, vouched.hi) - greatest(window_spans.lo, vouched.lo)
        ) as covered_ticks
    from window_spans
    inner join vouched
        on
            window_spans.store_key = vouched.store_key
            and window_spans.hi > vouched.lo
            and window_spans.lo < vouched.hi
    group by window_spans.store_key, window_spans.report_window
),

final as (
    select
        business.store_key,
        business.report_window,
        business.business_ticks / 7200000000 as business_hours,
        (business.business_ticks - coalesce(covered.covered_ticks, 0)) / 7200000000
            as extrapolated_hours
    from business
    left join covered
        on
            business.store_key = covered.store_key
            and business.report_window = covered.report_window
)

select * from final
