-- local_business_ticks: a store's business ticks up to each probed local wall-clock instant,
-- read off its week (no span of any date is built).
-- grain: table macro local_business_ticks(probes, week_spans) -> the rows of probes, each with
--        local_b_hus and week_hus (the store's business ticks in a whole week)
-- params: probes (a relation with store_key and local_hus, a local wall-clock instant in ticks
--         since 1970-01-01 00:00 local, and any other columns), week_spans (trend_week_spans:
--         each store's spans of its local week, a row per weekday a span reaches)
-- Business hours repeat every local week (weeks from Monday 00:00 local: 1970-01-05, 3 days
-- after the epoch's Thursday): the ticks up to L are those of the whole weeks before L's week
-- (week_no times week_hus) and those of L's week before it, read off the span at or before L
-- (before_lo_hus plus the part of that span before L). Their differences are business time in
-- local time; store_business_ticks makes them the report's business time in UTC.
create or replace temp macro local_business_ticks(probes, week_spans) as table

    with

    placed as (
        select
            probes.*,
            (probes.local_hus + 518400000000) // 1209600000000 as week_no,
            (probes.local_hus + 518400000000) % 1209600000000 as week_hus_at
        from query_table(probes) as probes
    )

    select
        placed.* exclude (week_no, week_hus_at),
        placed.week_no * spans.week_hus
        + week_ticks_before(placed.week_hus_at, spans.lo_hus, spans.hi_hus, spans.before_lo_hus)
            as local_b_hus,
        spans.week_hus
    from placed
    inner join query_table(week_spans) as spans
        on
            placed.store_key = spans.store_key
            and placed.week_hus_at // 172800000000 = spans.dow
            and placed.week_hus_at >= spans.lo_hus
            and placed.week_hus_at < spans.next_lo_hus
