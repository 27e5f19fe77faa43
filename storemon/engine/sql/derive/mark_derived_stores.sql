-- mark_derived_stores: count one more load that derived instants, and mark the stores whose
-- instants it derived from scratch with that count.
-- grain: one row (derive_generation); one row per store (derive_marks)
-- params: none (reads changed_stores, stores)
-- A changed store (hours, zone, lost polls), a new one and one without a mark (a database of an
-- earlier storemon) get the new count; a vanished store loses its mark (its key may be given to
-- a new store later). An archived day's kept instants (archive_instant_files) hold for the
-- stores marked at most their generation: the others are derived again from the day's polls.
insert into derive_generation
select 0 as generation
where not exists (select * from derive_generation);

update derive_generation
set generation = generation + 1;

delete from derive_marks
where
    store_key not in (select stores.store_key from stores)
    or store_key in (
        select stores.store_key
        from stores
        semi join changed_stores on stores.store_id = changed_stores.store_id
    );

insert into derive_marks
select
    stores.store_key,
    (select max(derive_generation.generation) from derive_generation) as generation
from stores
anti join derive_marks on stores.store_key = derive_marks.store_key
