-- reset_snapshots: empty the snapshot tables before a load replaces them, keeping a copy.
-- grain: n/a (copy, then delete)
-- params: none
-- Business hours and time zones are full exports: the files of the latest load are the truth.
-- The copies let the summary count the rows that are really new (snapshot_news).
create or replace temp table previous_menu_hours as select * from menu_hours;
create or replace temp table previous_timezones as select * from timezones;
delete from menu_hours;
delete from timezones;
