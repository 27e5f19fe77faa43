-- business_ticks: B(x), the business ticks of a store's window up to each probed instant x.
-- grain: table macro business_ticks(probes, spans) -> the rows of probes, each with b_hus
-- params: probes (a relation with store_key and x_hus, an instant in ticks, and any other
--         columns), spans (report_business_spans: each store's disjoint business spans
--         [lo_hus, hi_hus) with before_lo_hus, the business ticks of the window before lo_hus)
-- Read off the span at or before x (an ASOF join): before_lo_hus plus the part of that span up
-- to x; 0 before the first span. Business time in [a, b) is B(b) - B(a), the business time of
-- an outage inside it likewise: store_report and trend_store_periods count with it.
create or replace temp macro business_ticks(probes, spans) as table

    select
        probes.*,
        coalesce(
            spans.before_lo_hus + least(probes.x_hus, spans.hi_hus) - spans.lo_hus,
            0
        ) as b_hus
    from query_table(probes) as probes
    asof left join query_table(spans) as spans
        on
            probes.store_key = spans.store_key
            and probes.x_hus >= spans.lo_hus
