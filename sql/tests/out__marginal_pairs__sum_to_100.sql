-- Estimated flows come only from complete marginals: each side, remainders included, adds up
-- to 100 within rounding.
with

sides as (
    select
        marginal_pairs.source_id,
        marginal_pairs.period_label,
        tallies.role,
        sum(tallies.amount) as total_pct
    from out__marginal_pairs as marginal_pairs
    inner join core__tallies as tallies
        on tallies.source_id = marginal_pairs.source_id
        and tallies.measure = 'share_pct'
        and (
            (
                tallies.role = 'buyer'
                and tallies.period_start = marginal_pairs.buyer_period_start
                and tallies.period_end = marginal_pairs.buyer_period_end
            )
            or (
                tallies.role = 'seller'
                and tallies.period_start = marginal_pairs.seller_period_start
                and tallies.period_end = marginal_pairs.seller_period_end
            )
        )
    group by all
)

select * from sides
where abs(total_pct - 100) > 0.5
