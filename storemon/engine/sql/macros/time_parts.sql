-- time_parts: the hours, minutes, seconds and fraction of a business-hours time, as text.
-- grain: scalar macro time_parts(clock_text) -> struct(h, m, s, f) of varchar: '' for a part
--        the text leaves out, and every part '' when it is not a time
-- params: clock_text (a time field of menu_hours: `H:MM` or `HH:MM`, then optionally `:SS` and
--         a fraction, whose digits beyond six are cut; stg_menu_hours checks the ranges)
-- `HH:MM:SS` (almost every row) is cut at its fixed places, which is what the regular expression
-- finds in it; any other text goes through the expression.
create or replace temp macro time_parts(clock_text) as
case
    when clock_text glob '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        then {
            'h': clock_text[1:2], 'm': clock_text[4:5], 's': clock_text[7:8], 'f': ''
        }
    else regexp_extract(
        clock_text,
        '^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?$',
        ['h', 'm', 's', 'f']
    )
end
