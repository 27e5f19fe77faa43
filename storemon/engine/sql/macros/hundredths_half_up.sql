-- hundredths_half_up: the report's rounding rule, a tick count to hundredths of a unit.
-- grain: scalar macro hundredths_half_up(hus, unit_hus) -> double
-- params: hus (an exact count of ticks, half-microseconds), unit_hus (one hundredth of the unit
--         in ticks: 1,200,000 for minutes, 72,000,000 for hours)
-- Half-up on the exact integer, so 0.005 of a unit always rounds up and never meets a float;
-- as a bigint, whatever the argument's type (an INTEGER near 2^31 would overflow the addition).
-- Used by store_report and storemon.engine.timeline (store_figures), so both round alike.
create or replace temp macro hundredths_half_up(hus, unit_hus) as
cast((cast(hus as bigint) + unit_hus // 2) // unit_hus as double) / 100
