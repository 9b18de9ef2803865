-- What share of each source's work is done in the South for buyers in the North, per grouping
-- scheme and year? Estimated figures name the prior the estimate used, and give the bounds the
-- published shares alone set (out__estimate_summary). Shares are of the source's whole work;
-- not_named_pct is the estimated work with a country the source does not name when no prior
-- models it, and then there is no point figure, only the bounds.
with

flows as (
    select source_id, year, any_value(prior) as prior
    from out__flows
    group by source_id, year
),

not_named as (
    select scheme, source_id, year, share_pct
    from out__flows_by_direction
    where direction = 'not_named'
),

bounds as (
    select
        scheme,
        source_id,
        year,
        min(share_low_pct) as share_low_pct,
        max(share_high_pct) as share_high_pct
    from out__estimate_summary
    group by scheme, source_id, year
)

select
    by_direction.scheme,
    by_direction.source_id,
    by_direction.year,
    by_direction.method,
    flows.prior,
    case when not_named.share_pct is null then round(by_direction.share_pct, 1) end
        as south_to_north_pct,
    round(bounds.share_low_pct, 1) as share_low_pct,
    round(bounds.share_high_pct, 1) as share_high_pct,
    round(not_named.share_pct, 1) as not_named_pct,
    by_direction.tasks,
    by_direction.unit
from out__flows_by_direction as by_direction
left join flows
    on by_direction.source_id = flows.source_id
    and by_direction.year = flows.year
left join not_named
    on by_direction.scheme = not_named.scheme
    and by_direction.source_id = not_named.source_id
    and by_direction.year = not_named.year
left join bounds
    on by_direction.scheme = bounds.scheme
    and by_direction.source_id = bounds.source_id
    and by_direction.year = bounds.year
where by_direction.direction = 'south_to_north'
order by by_direction.scheme, by_direction.source_id, by_direction.year
