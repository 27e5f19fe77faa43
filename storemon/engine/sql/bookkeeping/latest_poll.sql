-- latest_poll: the latest hot poll, where the retention window is counted back from.
-- grain: one row (latest null without polls)
-- params: none
select max(timestamp_utc) as latest
from store_status
