-- stg_timezones: parse the lines of one time-zone file into typed rows or reject reasons.
-- grain: one row per data line in stg_lines, into the temp table `staged`
-- params: $tz_pos (1-based position from the header), $default_tz; stg_lines has read the
--         fields and refused the lines any kind refuses (line_reason)
-- An unknown zone name is rejected with its reason; the store then uses $default_tz
-- (docs/report.md).
-- A store's first valid row wins (file order, earlier files first); later valid rows are
-- rejected as duplicates naming the row that holds (rows already in `timezones` come first).
create or replace temp table staged as

with

fields as (
    select
        line,
        raw,
        line_reason,
        coalesce(store_id, '') as store_id,
        coalesce(fields[$tz_pos], '') as timezone_str
    from stg_lines
),

known_zones as (
    select name from pg_timezone_names()
),

checked as (
    select
        fields.*,
        case
            when fields.line_reason is not null then fields.line_reason
            when known_zones.name is null
                then
                    'unknown time zone ''' || fields.timezone_str || ''' ('
                    || $default_tz || ' is used)'
        end as invalid_reason
    from fields
    left join known_zones on fields.timezone_str = known_zones.name
),

firsts as (
    select
        store_id,
        min(line) as first_line
    from checked
    where invalid_reason is null
    group by store_id
),

final as (
    select
        checked.line,
        checked.raw,
        checked.store_id,
        checked.timezone_str,
        case
            when checked.invalid_reason is not null then checked.invalid_reason
            when timezones.store_id is not null
                then
                    'duplicate store_id (its time zone is on ' || timezones.source_file
                    || ' line ' || timezones.line || ')'
            when checked.line > firsts.first_line
                then 'duplicate store_id (its time zone is on line ' || firsts.first_line || ')'
        end as reject_reason
    from checked
    left join firsts on checked.store_id = firsts.store_id
    left join timezones on checked.store_id = timezones.store_id
)

select * from final
