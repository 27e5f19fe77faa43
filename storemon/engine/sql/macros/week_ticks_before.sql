-- week_ticks_before: a store's business ticks in its local week up to an instant of the week,
-- read off the span at or before it.
-- grain: scalar macro week_ticks_before(at_hus, lo_hus, hi_hus, before_lo_hus) -> bigint
-- params: at_hus (the instant, in ticks after Monday 00:00 local), lo_hus, hi_hus and
--         before_lo_hus (the store's span of trend_week_spans at or before it: its start, its
--         end, and the week's business ticks before its start)
-- The ticks before the span, then those of the span up to the instant (all of it when the
-- instant is past its end). local_business_ticks reads instants with it, trend_place_ticks the
-- places of a zone's week.
create or replace temp macro week_ticks_before(at_hus, lo_hus, hi_hus, before_lo_hus) as
before_lo_hus + least(at_hus, hi_hus) - lo_hus
