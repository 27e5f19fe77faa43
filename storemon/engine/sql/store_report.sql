-- store_report: business-hour uptime and downtime per store over the last hour, day and week.
-- grain: one row per store with at least one poll at or before `now`, ordered by store_id
-- params: none (reads stores and the report_* temp tables that storemon.report.prepare_report
--         makes; store_key order is store_id order)
-- B(x) = business ticks of the week up to instant x, read off the business span at or before x
-- (an ASOF join). Business time in a window [w, now) is B(now) - B(w); an outage [lo, hi) adds
-- max(0, B(hi) - max(B(lo), B(w))) downtime to it; uptime is the rest. Rounding is half-up on
-- the exact tick count, to hundredths of a minute (1.2e6 ticks) or of an hour (7.2e7 ticks).
with

probes as (
    select
        stores.store_key,
        mark.kind,
        null as run_lo,
        2 * report_clock.now_us - mark.back as x
    from stores
    cross join report_clock
    cross join (
        values ('hour', 7200000000), ('day', 172800000000), ('now', 0)
    ) as mark (kind, back)
    where stores.first_us <= report_clock.now_us
    union all
    select
        store_key,
        'run_lo' as kind,
        run_lo,
        run_lo as x
    from report_outages
    union all
    select
        store_key,
        'run_hi' as kind,
        run_lo,
        run_hi as x
    from report_outages
),

probe_values as (
    select
        probes.store_key,
        probes.kind,
        probes.run_lo,
        coalesce(
            report_business_spans.before_lo
            + least(probes.x, report_business_spans.hi)
            - report_business_spans.lo,
            0
        ) as b
    from probes
    asof left join report_business_spans
        on
            probes.store_key = report_business_spans.store_key
            and probes.x >= report_business_spans.lo
),

store_marks as (
    select
        store_key,
        max(b) filter (where kind = 'hour') as b_hour,
        max(b) filter (where kind = 'day') as b_day,
        max(b) filter (where kind = 'now') as b_now
    from probe_values
    where run_lo is null
    group by store_key
),

outage_marks as (
    select
        store_key,
        run_lo,
        max(b) filter (where kind = 'run_lo') as b_lo,
        max(b) filter (where kind = 'run_hi') as b_hi
    from probe_values
    where run_lo is not null
    group by store_key, run_lo
),

downtimes as (
    select
        outage_marks.store_key,
        sum(greatest(0, outage_marks.b_hi - greatest(outage_marks.b_lo, store_marks.b_hour)))
            as down_hour,
        sum(greatest(0, outage_marks.b_hi - greatest(outage_marks.b_lo, store_marks.b_day)))
            as down_day,
        sum(outage_marks.b_hi - outage_marks.b_lo) as down_week
    from outage_marks
    inner join store_marks on outage_marks.store_key = store_marks.store_key
    group by outage_marks.store_key
),

ticks as (
    select
        store_marks.store_key,
        store_marks.b_now - store_marks.b_hour as business_hour,
        store_marks.b_now - store_marks.b_day as business_day,
        store_marks.b_now as business_week,
        coalesce(downtimes.down_hour, 0) as down_hour,
        coalesce(downtimes.down_day, 0) as down_day,
        coalesce(downtimes.down_week, 0) as down_week
    from store_marks
    left join downtimes on store_marks.store_key = downtimes.store_key
),

final as (
    select
        stores.store_id,
        cast((business_hour - down_hour + 600000) // 1200000 as double) / 100
            as uptime_last_hour,
        cast((business_day - down_day + 36000000) // 72000000 as double) / 100
            as uptime_last_day,
        cast((business_week - down_week + 36000000) // 72000000 as double) / 100
            as uptime_last_week,
        cast((down_hour + 600000) // 1200000 as double) / 100 as downtime_last_hour,
        cast((down_day + 36000000) // 72000000 as double) / 100 as downtime_last_day,
        cast((down_week + 36000000) // 72000000 as double) / 100 as downtime_last_week
    from ticks
    inner join stores on ticks.store_key = stores.store_key
    order by ticks.store_key
)

select * from final
