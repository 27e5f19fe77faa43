-- status_fast_rejects: did the fast read of a store-status file meet any bad row?
-- grain: one row
-- params: none (reads status_fields, staged and DuckDB's reject_errors of the fast read)
with

final as (
    select
        (
            select count(*) from staged
            where reject_reason is not null
        )
        + (select count(*) from reject_errors) as n_bad
)

select * from final
