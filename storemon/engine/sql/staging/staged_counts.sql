-- staged_counts: how the lines of the staged file fared, for the load summary.
-- grain: one row per kind of reason (values replaced by ...; null = good rows)
-- params: none (reads the temp table `staged`)
with

final as (
    select
        regexp_replace(
            regexp_replace(reject_reason, '''[^'']*''', '''...''', 'g'),
            'line \d+', 'line N', 'g'
        ) as reason,
        count(*) as n_rows
    from staged
    group by all
)

select * from final
