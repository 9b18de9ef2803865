-- The estimated flows of each pairing of marginals fitted with no prior add up to (buyer shares of
-- countries) × (seller shares of countries) / 100: a duplicated or lost country would break this.
-- (An estimate with an observed prior moves work between countries and remainders; its sides
-- are checked by estimates_reproduce_marginals.sql.)
with

country_sides as (
    select
        marginal_pairs.source_id,
        marginal_pairs.period_label,
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
            and tallies.seller_country_code is not null
        ) as seller_pct
    from out__marginal_pairs as marginal_pairs
    inner join core__tallies as tallies
        on tallies.source_id = marginal_pairs.source_id
        and tallies.measure = 'share_pct'
    group by all
),

estimated as (
    select source_id, period_label, sum(tasks) as flows_pct, max(prior) as prior
    from out__flows
    where method = 'estimated'
    group by all
),

final as (
    select
        country_sides.*,
        estimated.flows_pct,
        estimated.prior,
        country_sides.buyer_pct * country_sides.seller_pct / 100 as expected_pct
    from country_sides
    left join estimated
        on country_sides.source_id = estimated.source_id
        and country_sides.period_label = estimated.period_label
)

select * from final
where coalesce(prior, 'none') = 'none' and abs(coalesce(flows_pct, 0) - expected_pct) > 1e-6
