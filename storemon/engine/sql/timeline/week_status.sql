-- week_status: every store's interpolated status over the report's week window.
-- grain: one row per store and maximal run of one status, [lo_hus, hi_hus) in ticks
-- params: none (reads the temp table report_status_spans)
with

final as (
    select
        store_key,
        lo_hus,
        hi_hus,
        active
    from report_status_spans
)

select * from final
