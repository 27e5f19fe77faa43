-- store_business_ticks: B(x), a store's business ticks up to each probed UTC instant x, from its
-- weekly hours and its zone's offsets (the trend's business time: no span of any date is built).
-- grain: table macro store_business_ticks(probes, week_spans, store_segments) -> the rows of
--        probes, each with b_hus
-- params: probes (a relation with store_key and x_hus, a UTC instant in ticks, and any other
--         columns), week_spans (trend_week_spans), store_segments (trend_store_segments: per
--         store, its zone's offset segments [lo_hus, hi_hus) with c_hus)
-- Inside an offset segment, x is the local instant x + offset, and B(x) is the local business
-- ticks there (local_business_ticks) plus the segment's constant c_hus, which keeps B
-- continuous across each change of offset: the hour skipped when clocks spring forward is never
-- open, the hour repeated when they fall back is open twice, as for report_business_spans. B
-- has no fixed origin: only differences B(b) - B(a) are business time, the business time of
-- [a, b) as business_ticks over report_business_spans counts it.
create or replace temp macro store_business_ticks(probes, week_spans, store_segments) as table

    with

    -- read through the macro local_business_ticks(located, ...), which sqlfluff cannot see
    located as (  -- noqa: ST03
        select
            probes.*,
            segments.c_hus,
            probes.x_hus + 2 * segments.offset_us as local_hus
        from query_table(probes) as probes
        inner join query_table(store_segments) as segments
            on
                probes.store_key = segments.store_key
                and probes.x_hus >= segments.lo_hus
                and probes.x_hus < segments.hi_hus
    )

    select
        ticks.* exclude (c_hus, local_hus, local_b_hus, week_hus),
        ticks.c_hus + ticks.local_b_hus as b_hus
    from local_business_ticks(located, week_spans) as ticks
