-- timeline_figures: figures recomputed from a store's timeline, rounded as store_report rounds.
-- grain: one row per figure, in the order given
-- params: $figures (list of structs: name; hus, the exact tick count; unit_hus, one hundredth
--         of the figure's unit in ticks)
-- storemon.engine.timeline.store_figures counts the ticks; the rounding is the report's own
-- macro hundredths_half_up, so the two can only agree or show a real difference.
with

figures as (
    select unnest($figures) as figure
),

final as (
    select
        figure.name,
        hundredths_half_up(figure.hus, figure.unit_hus) as value
    from figures
)

select * from final
