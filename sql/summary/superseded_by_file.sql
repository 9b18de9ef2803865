-- The build summary: for one source (?), how many rows of each older file a more recently
-- imported file supersedes (same flow key; see sql/int/int__user_rows_ranked.sql).
select
    regexp_replace(location, ':[0-9]+$', '') as older,
    reason,
    count(*) as n
from core__rejects
where source_id = ? and reason like 'superseded by %'
group by all
order by older, reason
