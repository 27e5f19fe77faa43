-- first_poll: the first poll of any store (hot or archived), where a trend's periods stop.
-- grain: one row (first_us null without polls)
-- params: none (reads stores, which keeps each store's first poll over the whole history)
select min(first_us) as first_us
from stores
