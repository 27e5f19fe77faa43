-- stg_menu_hours: parse the lines of one business-hours file into typed rows or reject reasons.
-- grain: one row per data line in stg_lines, into the temp table `staged`
--        (reject_reason is null for a good row)
-- params: $day_pos, $start_pos, $end_pos (1-based positions from the header); stg_lines has
--         read the fields and refused the lines any kind refuses (line_reason)
-- Times are local wall-clock `HH:MM[:SS[.f]]`; `24:00[:00]` is accepted as an end (midnight).
create or replace temp table staged as

with

fields as (
    select
        line,
        raw,
        line_reason,
        coalesce(store_id, '') as store_id,
        coalesce(fields[$day_pos], '') as day_text,
        coalesce(fields[$start_pos], '') as start_text,
        coalesce(fields[$end_pos], '') as end_text
    from stg_lines
),

matched as (
    select
        *,
        time_parts(start_text) as start_parts,
        time_parts(end_text) as end_parts,
        try_cast(day_text as integer) as day_of_week
    from fields
),

clock_parts as (
    select
        *,
        try_cast(nullif(start_parts.h, '') as bigint) as start_h,
        try_cast(nullif(start_parts.m, '') as bigint) as start_m,
        coalesce(try_cast(nullif(start_parts.s, '') as bigint), 0) as start_s,
        coalesce(try_cast(rpad(nullif(start_parts.f, ''), 6, '0') as bigint), 0) as start_f,
        try_cast(nullif(end_parts.h, '') as bigint) as end_h,
        try_cast(nullif(end_parts.m, '') as bigint) as end_m,
        coalesce(try_cast(nullif(end_parts.s, '') as bigint), 0) as end_s,
        coalesce(try_cast(rpad(nullif(end_parts.f, ''), 6, '0') as bigint), 0) as end_f
    from matched
),

micros as (
    select
        *,
        start_h * 3600000000 + start_m * 60000000 + start_s * 1000000 + start_f as start_us,
        end_h * 3600000000 + end_m * 60000000 + end_s * 1000000 + end_f as end_us,
        coalesce(start_h < 24 and start_m < 60 and start_s < 60, false) as start_ok,
        coalesce(
            (end_h < 24 and end_m < 60 and end_s < 60)
            or (end_h = 24 and end_m = 0 and end_s = 0 and end_f = 0),
            false
        ) as end_ok
    from clock_parts
),

final as (
    select
        line,
        raw,
        store_id,
        day_of_week,
        start_us,
        end_us,
        case
            when line_reason is not null then line_reason
            when
                day_of_week is null or day_of_week not between 0 and 6
                or not regexp_full_match(day_text, '\d+')
                then 'day of week ''' || day_text || ''' is not an integer 0-6'
            when not start_ok then 'unparseable start time ''' || start_text || ''''
            when not end_ok then 'unparseable end time ''' || end_text || ''''
        end as reject_reason
    from micros
)

select * from final
