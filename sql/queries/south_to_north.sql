-- Share of each source's work done in the South for buyers in the North, per scheme and year.
select
    scheme,
    source_id,
    year,
    method,
    round(share_pct, 1) as south_to_north_pct,
    tasks,
    unit
from out__flows_by_direction
where direction = 'south_to_north'
order by scheme, source_id, year
