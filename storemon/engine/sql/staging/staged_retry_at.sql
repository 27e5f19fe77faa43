-- staged_retry_at: when the staged polls rejected as in the future are due: the earliest of them
-- less the skew allowed (reject_implausible_polls); a later load reads their file again then.
-- grain: one row (retry_at null when no poll is in the future)
-- params: $clock (the load's clock)
select min(timestamp_utc) - interval 1 hour as retry_at
from staged
where timestamp_utc > cast($clock as timestamp) + interval 1 hour
