-- offset_staged_lines: give the staged lines of a grown file's new part their real line numbers.
-- grain: one row per staged line (temp table staged)
-- params: $line_offset (physical lines of the file before the part, less its header line)
update staged
set line = line + $line_offset
