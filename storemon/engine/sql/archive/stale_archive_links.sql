-- stale_archive_links: the kept instants' links stop holding before $until_us, because a load
-- changes an archived day (late polls added to it or to a day before an archived one, a changed
-- file's polls taken out): a link made before may skip an instant the change added.
-- grain: one row (table archive_links: links hold from from_us on)
-- params: $until_us (the hot cutoff: every day the change touches is before it)
insert into archive_links values (cast($until_us as bigint));

delete from archive_links
where from_us < (select max(archive_links.from_us) from archive_links);
