-- store_report: business-hour uptime and downtime per store over the last hour, day and week.
-- grain: one row per store with at least one poll at or before `now`, ordered by store_id
-- params: none (reads stores and the report_* temp tables that storemon.report.prepare_report
--         makes)
-- B(x) = business ticks of the week up to instant x (the macro business_ticks). Business time
-- in a window [w, now) is B(now) - B(w); an outage [lo, hi) adds max(0, B(hi) - max(B(lo),
-- B(w))) downtime to it; uptime is the rest. Rounding is half-up on
-- the exact tick count (suffix _hus), to hundredths of a minute (1.2e6 ticks) or of an hour
-- (7.2e7 ticks): the macro hundredths_half_up.
with

-- read through the macro business_ticks(probes, ...), which sqlfluff cannot see
probes as (  -- noqa: ST03
    select
        stores.store_key,
        mark.kind,
        null as run_lo_hus,
        2 * report_clock.now_us - mark.back_hus as x_hus
    from stores
    cross join report_clock
    cross join (
        values ('hour', 7200000000), ('day', 172800000000), ('now', 0)
    ) as mark (kind, back_hus)
    where stores.first_us <= report_clock.now_us
    union all
    select
        store_key,
        'run_lo' as kind,
        run_lo_hus,
        run_lo_hus as x_hus
    from report_outages
    union all
    select
        store_key,
        'run_hi' as kind,
        run_lo_hus,
        run_hi_hus as x_hus
    from report_outages
),

probe_values as (
    select *
    from business_ticks(probes, report_business_spans)
),

store_marks as (
    select
        store_key,
        max(b_hus) filter (where kind = 'hour') as b_hour_hus,
        max(b_hus) filter (where kind = 'day') as b_day_hus,
        max(b_hus) filter (where kind = 'now') as b_now_hus
    from probe_values
    where run_lo_hus is null
    group by store_key
),

outage_marks as (
    select
        store_key,
        run_lo_hus,
        max(b_hus) filter (where kind = 'run_lo') as b_lo_hus,
        max(b_hus) filter (where kind = 'run_hi') as b_hi_hus
    from probe_values
    where run_lo_hus is not null
    group by store_key, run_lo_hus
),

downtimes as (
    select
        outage_marks.store_key,
        sum(
            greatest(
                0,
                outage_marks.b_hi_hus
                - greatest(outage_marks.b_lo_hus, store_marks.b_hour_hus)
            )
        ) as down_hour_hus,
        sum(
            greatest(
                0,
                outage_marks.b_hi_hus
                - greatest(outage_marks.b_lo_hus, store_marks.b_day_hus)
            )
        ) as down_day_hus,
        sum(outage_marks.b_hi_hus - outage_marks.b_lo_hus) as down_week_hus
    from outage_marks
    inner join store_marks on outage_marks.store_key = store_marks.store_key
    group by outage_marks.store_key
),

ticks as (
    select
        store_marks.store_key,
        store_marks.b_now_hus - store_marks.b_hour_hus as business_hour_hus,
        store_marks.b_now_hus - store_marks.b_day_hus as business_day_hus,
        store_marks.b_now_hus as business_week_hus,
        coalesce(downtimes.down_hour_hus, 0) as down_hour_hus,
        coalesce(downtimes.down_day_hus, 0) as down_day_hus,
        coalesce(downtimes.down_week_hus, 0) as down_week_hus
    from store_marks
    left join downtimes on store_marks.store_key = downtimes.store_key
),

final as (
    select
        stores.store_id,
        hundredths_half_up(business_hour_hus - down_hour_hus, 1200000) as uptime_last_hour,
        hundredths_half_up(business_day_hus - down_day_hus, 72000000) as uptime_last_day,
        hundredths_half_up(business_week_hus - down_week_hus, 72000000) as uptime_last_week,
        hundredths_half_up(down_hour_hus, 1200000) as downtime_last_hour,
        hundredths_half_up(down_day_hus, 72000000) as downtime_last_day,
        hundredths_half_up(down_week_hus, 72000000) as downtime_last_week
    from ticks
    inner join stores on ticks.store_key = stores.store_key
    order by stores.store_id
)

select * from final
