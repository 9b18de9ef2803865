-- Input that could not be used, grouped by source and reason, with an example of each.
select
    source_id,
    reason,
    field,
    count(*) as n_rows,
    min(location) as first_location,
    min(value) as example_value
from core__rejects
group by all
order by source_id, n_rows desc
