-- The build summary: the rejects of one source (?) counted by field, value and reason, most
-- frequent first; rows superseded by a newer user file are counted apart
-- (superseded_by_file.sql).
select
    source_id,
    any_value(location) as location,
    field,
    value,
    reason,
    count(*) as n
from core__rejects
where source_id = ? and reason not like 'superseded by %'
group by all
order by n desc
