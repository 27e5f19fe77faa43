-- reject_implausible_polls: refuse staged polls dated in the future or before any plausible poll.
-- grain: n/a (update of the temp table `staged`: one row per data line of a status file)
-- params: $clock (the load's clock: the time now, or one a test sets)
-- A poll later than the load's clock plus 1 hour (the skew allowed between the exporting
-- machine's clock and ours) is in the future; one before 2000-01-01 predates any export. Either
-- would become a report's instant or stretch every per-zone computation over its span, so it is
-- a reject with its reason, never a poll. The bounds are documented in docs/failure-modes.md.
update staged
set
    reject_reason = case
        when timestamp_utc > cast($clock as timestamp) + interval 1 hour
            then
                'timestamp '''
                || strftime(timestamp_utc, '%Y-%m-%d %H:%M:%S')
                || ' UTC'' is in the future (after the load''s clock + 1 h)'
        else
            'timestamp '''
            || strftime(timestamp_utc, '%Y-%m-%d %H:%M:%S')
            || ' UTC'' is before 2000-01-01 (no plausible poll is older)'
    end
where
    reject_reason is null
    and (
        timestamp_utc > cast($clock as timestamp) + interval 1 hour
        or timestamp_utc < timestamp '2000-01-01'
    )
