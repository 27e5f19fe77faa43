-- held_polls: can the database hold a poll that a file about to load also holds?
-- grain: one row: check_held (false: merge_store_status need not look, nothing could match)
-- params: $source_file (the file's name), $append (its new lines only: its earlier lines count)
-- Polls of another file could match, and the file's own earlier lines when it is appended; the
-- other pieces of a file loaded from its start never count (identical lines are kept).
with

final as (
    select
        exists(
            select 1
            from store_status
            where store_status.source_file is distinct from $source_file or $append
        ) as check_held
)

select * from final
