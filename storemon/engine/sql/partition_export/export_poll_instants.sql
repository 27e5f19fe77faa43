-- export_poll_instants: poll_instants with each row's store bucket (Parquet partitioned by it).
-- grain: one row per row of poll_instants (plus the column bucket)
-- params: none (reads poll_instants and the temp table partition_keys)
-- In time order, so that each bucket's file is too: a worker loads its buckets without a sort.
with

final as (
    select
        poll_instants.*,
        partition_keys.bucket
    from poll_instants
    inner join partition_keys on poll_instants.store_key = partition_keys.store_key
)

select * from final
order by t_us
