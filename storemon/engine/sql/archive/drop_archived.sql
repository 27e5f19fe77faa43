-- drop_archived: remove from the hot tables the polls now in the archive, and move the window.
-- grain: n/a (delete; hot_window keeps one row)
-- params: $cutoff (timestamp: polls before it now live in the archive)
delete from store_status
where timestamp_utc < $cutoff;

delete from poll_instants
where t_us < epoch_us($cutoff);

delete from store_days
where day_no < epoch_us($cutoff) // 86400000000;

delete from hot_window;

insert into hot_window values (epoch_us($cutoff));
