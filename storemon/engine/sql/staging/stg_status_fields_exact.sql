-- stg_status_fields_exact: the fields of a store-status file, from its lines (exact line numbers).
-- grain: one row per non-blank data line (temp view status_fields over stg_lines)
-- params: none (the positions come from the variable set by set_status_input)
-- The slow, exact path: used when the fast path (stg_status_fields_fast) met any bad row, so that
-- every reject names its true line, even after blank or ragged lines.
create or replace temp view status_fields as

with

input as (
    select
        getvariable('storemon_status_input').id_pos as id_pos,
        getvariable('storemon_status_input').ts_pos as ts_pos,
        getvariable('storemon_status_input').status_pos as status_pos
),

final as (
    select
        stg_lines.line,
        stg_lines.raw,
        len(stg_lines.fields) as n_fields,
        trim(coalesce(stg_lines.fields[input.id_pos], ''), chr(32) || chr(9) || chr(34))
            as store_id,
        trim(coalesce(stg_lines.fields[input.ts_pos], ''), chr(32) || chr(9) || chr(34))
            as ts_text,
        trim(coalesce(stg_lines.fields[input.status_pos], ''), chr(32) || chr(9) || chr(34))
            as status_text
    from stg_lines
    cross join input
)

select * from final
