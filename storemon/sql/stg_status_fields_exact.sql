-- stg_status_fields_exact: the fields of a store-status file, from its lines (exact line numbers).
-- grain: one row per non-blank data line (temp table status_fields)
-- params: $id_pos, $ts_pos, $status_pos (1-based positions from the header)
-- The slow, exact path: used when the fast path (stg_status_fields_fast) met any bad row, so that
-- every reject names its true line, even after blank or ragged lines.
create or replace temp table status_fields as

with

final as (
    select
        line,
        raw,
        len(fields) as n_fields,
        trim(coalesce(fields[$id_pos], ''), chr(32) || chr(9) || chr(34)) as store_id,
        trim(coalesce(fields[$ts_pos], ''), chr(32) || chr(9) || chr(34)) as ts_text,
        trim(coalesce(fields[$status_pos], ''), chr(32) || chr(9) || chr(34)) as status_text
    from stg_lines
)

select * from final
