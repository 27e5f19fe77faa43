-- latest_poll: the latest hot poll, where the retention window is counted back from.
-- grain: one row (latest null without polls)
-- params: none (reads store_days, which the load's derive has brought up to date by then)
-- Read off the stores' day summaries (store_days: each store's last instant of any per day, so
-- their largest is the latest poll held), not the polls: inside the load's transaction DuckDB
-- scans a table rather than answering from its statistics, and the summaries are about twenty
-- times fewer rows (one per store and day, against one per poll).
select make_timestamp(max(last_any_us)) as latest
from store_days
