-- merge_rejects: record the staged rejects of one file, replacing that file's earlier rejects.
-- grain: one row per rejected line
-- params: $source_file (the file's name)
insert into rejects

with

final as (
    select
        $source_file,
        line,
        reject_reason as reason,
        raw
    from staged
    where reject_reason is not null
)

select * from final
