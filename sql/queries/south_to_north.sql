-- What share of each source's work is done in the South for buyers in the North, per grouping
-- scheme and year? Estimated figures name the prior the estimate used.
with

flows as (
    select source_id, year, any_value(prior) as prior
    from out__flows
    group by source_id, year
)

select
    by_direction.scheme,
    by_direction.source_id,
    by_direction.year,
    by_direction.method,
    flows.prior,
    round(by_direction.share_pct, 1) as south_to_north_pct,
    by_direction.tasks,
    by_direction.unit
from out__flows_by_direction as by_direction
left join flows
    on by_direction.source_id = flows.source_id
    and by_direction.year = flows.year
where by_direction.direction = 'south_to_north'
order by by_direction.scheme, by_direction.source_id, by_direction.year
