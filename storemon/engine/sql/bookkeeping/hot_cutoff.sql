-- hot_cutoff: where the hot window starts (older polls are in the archive), and the latest poll.
-- grain: one row (cutoff_us null while nothing was archived; latest null without polls)
-- params: none
select
    (select max(cutoff_us) from hot_window) as cutoff_us,
    (select max(timestamp_utc) from store_status) as latest
