-- set_status_input: describe the store-status file that the status_fields view reads next.
-- grain: n/a (sets the session variable storemon_status_input)
-- params: $file (path), $columns (struct: every header column, normalised name -> 'VARCHAR'),
--         $n_fields (number of header columns), $id_pos, $ts_pos, $status_pos (1-based)
-- A view cannot take $params; the stg_status_fields_* views read this variable instead.
set variable storemon_status_input = {
    'file': $file,
    'columns': $columns,
    'n_fields': $n_fields,
    'id_pos': $id_pos,
    'ts_pos': $ts_pos,
    'status_pos': $status_pos
}
