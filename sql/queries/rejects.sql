-- Input that could not be used, grouped by source and reason, with an example of each:
-- n_rows rejects, standing for n_lines lines (a reject that sums up the exact repeats of an
-- earlier line stands for each of them).
select
    source_id,
    reason,
    field,
    count(*) as n_rows,
    sum(coalesce(repeats, 1)) as n_lines,
    min(location) as first_location,
    min(value) as example_value
from core__rejects
group by all
order by source_id, n_lines desc, n_rows desc, reason
