-- week_counted: every store's status over its business time: what the report's numbers count.
-- grain: one row per store and piece of a status run inside a business span, [lo_hus, hi_hus)
-- in ticks (half-microseconds)
-- params: none (reads the temp tables report_status_spans and report_business_spans)
-- Active pieces add up to the store's uptime, inactive ones to its downtime, in every window.
with

final as (
    select
        report_status_spans.store_key,
        greatest(report_status_spans.lo_hus, report_business_spans.lo_hus) as lo_hus,
        least(report_status_spans.hi_hus, report_business_spans.hi_hus) as hi_hus,
        report_status_spans.active
    from report_status_spans
    inner join report_business_spans
        on
            report_status_spans.store_key = report_business_spans.store_key
            and report_status_spans.lo_hus < report_business_spans.hi_hus
            and report_status_spans.hi_hus > report_business_spans.lo_hus
)

select * from final
