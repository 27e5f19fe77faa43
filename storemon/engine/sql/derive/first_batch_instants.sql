-- first_batch_instants: the instants of a first load, as derived (raw_instants, renamed).
-- grain: one row per poll (temp table batch_instants: several polls of one store at one instant
-- stay several rows)
-- params: none
-- Into a database holding no instant yet the instants need no separate dedupe: link_first_load
-- makes one row per store and instant inside the window that links them, and the steps after it
-- (link_stores, store_days_batch, update_store_firsts) read only the least or greatest instant of
-- a store or day, the same with or without the repeats.
drop table if exists batch_instants;

alter table raw_instants rename to batch_instants;
