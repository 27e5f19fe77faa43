-- partition_keys: each store's bucket, a stable hash of its id, for partitioned reports.
-- grain: one row per store (temp table partition_keys)
-- params: $buckets (storemon.engine.partition.BUCKETS; reads stores)
-- The hash is the first 8 bytes of the MD5 of the UTF-8 store_id read big-endian, modulo
-- $buckets: the same on every DuckDB version and machine. storemon.engine.partition.store_bucket
-- computes it in Python (tests/test_partition.py checks that both agree).
create or replace temp table partition_keys as

with

final as (
    select
        store_key,
        cast(cast('0x' || left(md5(store_id), 16) as ubigint) % $buckets as integer) as bucket
    from stores
)

select * from final
