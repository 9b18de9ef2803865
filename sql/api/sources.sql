-- Title, citation, licence and address of the sources $ids (a list of source ids): what an
-- export carries beside its rows.
select source_id, title, citation, licence, url
from core__sources
where list_contains($ids, source_id)
order by source_id
