-- The North/South schemes the database has (the API and exports check a scheme against them).
select distinct scheme
from core__country_groups
order by scheme
