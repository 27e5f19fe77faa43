-- timeline_business: one store's business hours inside the report's week window, in UTC.
-- grain: one row per disjoint business span of the store, [lo_hus, hi_hus) in ticks
-- (half-microseconds), in time order
-- params: $store_id (the store's id as in the data)
-- Reads the temp table report_business_spans that storemon.report.prepare_report builds, so the
-- spans are exactly those the report counts.
with

store as (
    select store_key from stores
    where store_id = $store_id
),

final as (
    select
        report_business_spans.lo_hus,
        report_business_spans.hi_hus
    from report_business_spans
    inner join store on report_business_spans.store_key = store.store_key
    order by report_business_spans.lo_hus
)

select * from final
