-- The build summary: the rejects of one source (?) counted by field, value and reason, most
-- frequent first; rows superseded by a newer user file are counted apart
-- (superseded_by_file.sql). Counted in lines: a reject that sums up the exact repeats of an
-- earlier line counts for each of them.
select
    source_id,
    any_value(location) as location,
    field,
    value,
    reason,
    sum(coalesce(repeats, 1)) as n
from core__rejects
where source_id = ? and reason not like 'superseded by %'
group by all
order by n desc
