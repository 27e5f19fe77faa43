-- hot_cutoff: where the hot window starts (polls before it are in the archive).
-- grain: one row (cutoff_us null while nothing was archived)
-- params: none
select max(cutoff_us) as cutoff_us
from hot_window
