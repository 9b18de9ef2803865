-- Every claim names at least one place where the work is done.
select claim_id, source_id
from core__claims
group by all
having count(*) filter (where role = 'seller') = 0
