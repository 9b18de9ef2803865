-- Every estimate, with or without a prior, gives back both published marginals: the cells of a
-- buyer (country or remainder) add up to its share, and so do those of a seller, within 1e-6
-- points. A fit that stopped early, or a cell written twice or lost, would break this.
with

marginal_pairs as (
    select * from out__marginal_pairs
),

published as (
    select
        marginal_pairs.period_label,
        tallies.source_id,
        tallies.occupation,
        tallies.role,
        coalesce(tallies.buyer_country_code, tallies.seller_country_code, '~' || tallies.region_label)
            as category,
        sum(tallies.amount) as share_pct
    from core__tallies as tallies
    inner join marginal_pairs
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
),

cell_sides as (
    select
        period_label,
        source_id,
        occupation,
        'buyer' as role,
        coalesce(buyer_country_code, '~' || buyer_region_label) as category,
        tasks
    from int__estimated_flows
    union all
    select
        period_label,
        source_id,
        occupation,
        'seller' as role,
        coalesce(seller_country_code, '~' || seller_region_label) as category,
        tasks
    from int__estimated_flows
),

estimated as (
    select period_label, source_id, occupation, role, category, sum(tasks) as share_pct
    from cell_sides
    group by all
),

final as (
    select
        coalesce(published.source_id, estimated.source_id) as source_id,
        coalesce(published.period_label, estimated.period_label) as period_label,
        coalesce(published.role, estimated.role) as role,
        coalesce(published.category, estimated.category) as category,
        published.share_pct as published_pct,
        estimated.share_pct as estimated_pct
    from published
    full outer join estimated
        on published.source_id = estimated.source_id
        and published.period_label = estimated.period_label
        and published.occupation = estimated.occupation
        and published.role = estimated.role
        and published.category = estimated.category
)

select * from final
where
    published_pct is null
    or estimated_pct is null
    or abs(published_pct - estimated_pct) > 1e-6
