-- store_week_row: one store's row of a report's store_weeks/stores.parquet (see week_stores).
-- grain: one row, or none when the store is not in the report
-- params: $folder (the report's store_weeks folder), $store_id (the store's id as in the data)
with

final as (
    select *
    from read_parquet($folder || '/stores.parquet')
    where store_id = $store_id
)

select * from final
