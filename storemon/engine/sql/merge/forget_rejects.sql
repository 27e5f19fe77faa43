-- forget_rejects: drop the rejects recorded for one file before it is loaded again.
-- grain: n/a (delete)
-- params: $source_file (the file's name)
delete from rejects
where source_file = $source_file
