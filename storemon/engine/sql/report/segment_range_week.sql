-- segment_range_week: the time range zone_segments covers for a report: its week window widened.
-- grain: one row (temp table segment_range): lo_us, hi_us in microseconds since the epoch
-- params: $margin_days (storemon.engine.report.WINDOW_MARGIN_DAYS)
-- Coupled with report_business_spans, which maps the local dates from $margin_days before the
-- week to $margin_days after `now` through these segments: both read the same parameter, so the
-- segments always cover every local date the spans are built for.
create or replace temp table segment_range as

with

final as (
    select
        week_start_us - $margin_days * 86400000000 as lo_us,
        now_us + $margin_days * 86400000000 as hi_us
    from report_clock
)

select * from final
