-- North/South group of every country under every scheme (null: the scheme leaves it
-- unclassified). The pages carry all schemes, so the reader can switch between them.
select scheme, country_code, is_north
from core__country_groups
order by scheme, country_code
