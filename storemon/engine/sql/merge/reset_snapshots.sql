-- reset_snapshots: empty the snapshot tables a load replaces, keeping a copy.
-- grain: n/a (copy, then delete)
-- params: $reset_hours, $reset_zones (booleans: does this load replace that snapshot)
-- Business hours and time zones are full exports: the files of the latest load are the truth.
-- A snapshot whose files are all unchanged is not replaced. The copies let the summary count
-- the rows that are really new (snapshot_news) and name the stores that changed.
create or replace temp table previous_menu_hours as select * from menu_hours;
create or replace temp table previous_timezones as select * from timezones;
delete from menu_hours
where $reset_hours;

delete from timezones
where $reset_zones;
