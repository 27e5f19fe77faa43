-- rejects_by_reason: the rejected input rows, counted by file and kind of reason.
-- grain: one row per source file and kind of reason (quoted values and line numbers replaced)
-- params: none
with

kinds as (
    select
        source_file,
        regexp_replace(
            regexp_replace(reason, '''[^'']*''', '''...''', 'g'),
            'line \d+', 'line N', 'g'
        ) as reason,
        line
    from rejects
),

final as (
    select
        source_file,
        reason,
        count(*) as rows_rejected,
        min(line) as first_line
    from kinds
    group by source_file, reason
)

select * from final
