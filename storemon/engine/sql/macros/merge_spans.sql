-- merge_spans: the union of each store's spans, as disjoint spans (gaps and islands).
-- grain: table macro merge_spans(spans) -> one row per store_key and maximal island [lo, hi)
-- params: spans, the name of a relation with columns store_key, lo, hi (any one unit)
-- Spans that overlap or touch (lo <= the highest hi before it) belong to one island. Defined once
-- per connection by storemon.engine.db.connect and used by derive_poll_instants,
-- report_business_spans and extrapolated_time.
create or replace temp macro merge_spans(spans) as table

    with

    reaching as (
        select
            store_key,
            lo,
            hi,
            max(hi) over (
                partition by store_key order by lo, hi
                rows between unbounded preceding and 1 preceding
            ) as reach
        from query_table(spans)
    ),

    islands as (
        select
            store_key,
            lo,
            hi,
            sum(case when reach is null or lo > reach then 1 else 0 end) over (
                partition by store_key order by lo, hi rows unbounded preceding
            ) as island
        from reaching
    ),

    final as (
        select
            store_key,
            min(lo) as lo,
            max(hi) as hi
        from islands
        group by store_key, island
    )

    select * from final
