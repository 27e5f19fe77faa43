-- merge_spans: the union of each store's spans, as disjoint spans (gaps and islands).
-- grain: table macro merge_spans(spans) -> one row per store_key and maximal island [lo, hi),
--        with before_lo = the length of the store's islands before it (any one unit) and
--        next_lo = the start of its next island (null for the last)
-- params: spans, the name of a relation with columns store_key, lo, hi (bigint, lo < hi)
-- Spans that overlap or touch (lo <= the highest hi before it) belong to one island. Defined once
-- per connection by storemon.engine.db.connect and used by derive_day_spans and
-- report_business_spans.
-- Two sorts: the spans in order (the highest hi before each one, reach, marks where an island
-- starts), then the islands' first spans in order. An island ends at the reach of the next
-- island's first span (every earlier island ends before it starts), the last one at the store's
-- highest hi; the islands before one add up to the sum of those ends minus the sum of their
-- starts.
create or replace temp macro merge_spans(spans) as table

    with

    reaching as (
        select
            store_key,
            lo,
            max(hi) over (by_lo rows between unbounded preceding and 1 preceding) as reach,
            max(hi) over (
                by_lo rows between unbounded preceding and unbounded following
            ) as last_hi
        from query_table(spans)
        window by_lo as (partition by store_key order by lo, hi)
    ),

    island_starts as (
        select
            store_key,
            lo,
            reach,
            last_hi
        from reaching
        where reach is null or lo > reach
    ),

    final as (
        select
            store_key,
            lo,
            coalesce(lead(reach) over by_lo, last_hi) as hi,
            lead(lo) over by_lo as next_lo,
            cast(
                coalesce(sum(reach) over (by_lo rows unbounded preceding), 0)
                - coalesce(sum(lo) over (by_lo rows between unbounded preceding and 1 preceding), 0)
                as bigint
            ) as before_lo
        from island_starts
        window by_lo as (partition by store_key order by lo)
    )

    select * from final
