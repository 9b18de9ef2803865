-- Every source in the database, how it was obtained, and how to cite it.
select source_id, method, title, publisher, licence, retrieved_at, vintage, citation
from core__sources
order by method, source_id
