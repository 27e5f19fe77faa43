-- begin_instants: empty the raw instants that the next derive passes append to.
-- grain: one row per poll derived (temp table raw_instants, filled by derive_poll_instants)
-- params: none
create or replace temp table raw_instants (
    store_key integer,
    t_us bigint,
    active boolean,
    in_hours boolean
);
