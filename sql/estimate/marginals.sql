-- The published marginals the estimator fits, one row per share: each pairing of a buyer
-- period with a seller period (out__marginal_pairs, the rule lives there) and occupation.
-- Countries and remainders ("rest of world") alike: remainders hold their part of the 100.
with

tallies as (
    select * from core__tallies
),

marginal_pairs as (
    select * from out__marginal_pairs
),

buyer_side as (
    select
        marginal_pairs.source_id,
        marginal_pairs.year,
        marginal_pairs.period_label,
        tallies.occupation,
        'buyer' as role,
        tallies.platform,
        tallies.buyer_country_code as country_code,
        tallies.region_label,
        tallies.amount,
        tallies.citation
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and tallies.period_start = marginal_pairs.buyer_period_start
        and tallies.period_end = marginal_pairs.buyer_period_end
    where tallies.role = 'buyer' and tallies.measure = 'share_pct'
),

seller_side as (
    select
        marginal_pairs.source_id,
        marginal_pairs.year,
        marginal_pairs.period_label,
        tallies.occupation,
        'seller' as role,
        tallies.platform,
        tallies.seller_country_code as country_code,
        tallies.region_label,
        tallies.amount,
        tallies.citation
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and tallies.period_start = marginal_pairs.seller_period_start
        and tallies.period_end = marginal_pairs.seller_period_end
    where tallies.role = 'seller' and tallies.measure = 'share_pct'
),

final as (
    select * from buyer_side
    union all
    select * from seller_side
)

select * from final
order by source_id, year, period_label, occupation, role, country_code, region_label
