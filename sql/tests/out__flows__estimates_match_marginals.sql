-- Every estimate keeps its whole total: its rows in out__flows, the countries the source does
-- not name included (null codes), add up to the published buyer side (100 within rounding).
-- The named × named cells of an estimate with no prior add up to (buyer shares of countries) ×
-- (seller shares of countries) / (buyer total): a duplicated or lost country would break this.
-- (An estimate with an observed prior moves work between countries and remainders; its sides
-- are checked by int__estimated_flows__reproduce_marginals.sql.)
with

sides as (
    select
        marginal_pairs.source_id,
        marginal_pairs.period_label,
        tallies.occupation,
        sum(tallies.amount) filter (
            where tallies.role = 'buyer'
            and tallies.period_start = marginal_pairs.buyer_period_start
            and tallies.period_end = marginal_pairs.buyer_period_end
        ) as buyer_total,
        sum(tallies.amount) filter (
            where tallies.role = 'buyer'
            and tallies.period_start = marginal_pairs.buyer_period_start
            and tallies.period_end = marginal_pairs.buyer_period_end
            and tallies.buyer_country_code is not null
        ) as buyer_pct,
        sum(tallies.amount) filter (
            where tallies.role = 'seller'
            and tallies.period_start = marginal_pairs.seller_period_start
            and tallies.period_end = marginal_pairs.seller_period_end
        ) as seller_total,
        sum(tallies.amount) filter (
            where tallies.role = 'seller'
            and tallies.period_start = marginal_pairs.seller_period_start
            and tallies.period_end = marginal_pairs.seller_period_end
            and tallies.seller_country_code is not null
        ) as seller_pct
    from out__marginal_pairs as marginal_pairs
    inner join core__tallies as tallies
        on tallies.source_id = marginal_pairs.source_id
        and tallies.measure = 'share_pct'
    group by all
),

estimated as (
    select
        source_id,
        period_label,
        occupation,
        sum(tasks) as flows_pct,
        sum(tasks) filter (
            where buyer_country_code is not null and seller_country_code is not null
        ) as named_pct,
        max(prior) as prior
    from out__flows
    where method = 'estimated'
    group by all
),

final as (
    select
        sides.*,
        estimated.flows_pct,
        estimated.named_pct,
        estimated.prior,
        -- the seller side is scaled to the buyer total before the fit
        sides.buyer_pct * sides.seller_pct / sides.seller_total as expected_named_pct
    from sides
    inner join estimated
        on sides.source_id = estimated.source_id
        and sides.period_label = estimated.period_label
        and sides.occupation = estimated.occupation
)

select * from final
where
    abs(flows_pct - buyer_total) > 1e-6
    or (
        prior = 'none'
        and abs(coalesce(named_pct, 0) - coalesce(expected_named_pct, 0)) > 1e-6
    )
