-- begin_instants: empty the raw instants that the next derive passes append to, and the kept
-- instants a report reads from the archive.
-- grain: one row per poll derived (temp table raw_instants, filled by derive_poll_instants); one
--        row per store and kept instant (temp table kept_instants, filled by read_kept_instants)
-- params: none
create or replace temp table raw_instants (
    store_key integer,
    t_us bigint,
    active boolean,
    in_hours boolean
);

create or replace temp table kept_instants (
    store_key integer,
    t_us bigint,
    active boolean,
    in_hours boolean,
    prev_packed bigint
);
