-- week_business: every store's business spans inside the report's week window, in UTC.
-- grain: one row per store and disjoint span, [lo_hus, hi_hus) in ticks (half-microseconds)
-- params: none (reads the temp table report_business_spans: the spans the report counts)
with

final as (
    select
        store_key,
        lo_hus,
        hi_hus
    from report_business_spans
)

select * from final
