-- Work bought and sold per country: the Oxford "balance of payments" view of online work.
-- net_sold > 0: the country does more of the work than it buys (a net seller of labour).
-- basis 'flows': totals of observed flows. basis 'marginals': for sources known only through
-- published shares, the shares themselves (the same periods as the estimated flows); a side a
-- source does not publish for a country stays null rather than zero, and so does net_sold.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

flows as (
    select * from out__flows
),

tallies as (
    select * from core__tallies
),

marginal_pairs as (
    select * from out__marginal_pairs
),

country_groups as (
    select * from core__country_groups
),

observed as (
    select * from flows where method = 'observed'
),

flow_sides as (
    select source_id, year, unit, buyer_country_code as country_code, tasks as bought, 0 as sold
    from observed
    union all
    select source_id, year, unit, seller_country_code as country_code, 0 as bought, tasks as sold
    from observed
),

from_flows as (
    select
        source_id,
        year,
        country_code,
        cast(sum(exact_decimal(bought)) as double) as tasks_bought,
        cast(sum(exact_decimal(sold)) as double) as tasks_sold,
        unit,
        'flows' as basis
    from flow_sides
    group by source_id, year, country_code, unit
),

buyer_marginals as (
    select
        tallies.source_id,
        marginal_pairs.year,
        tallies.buyer_country_code as country_code,
        cast(sum(exact_decimal(tallies.amount)) as double) as tasks_bought
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and tallies.period_start = marginal_pairs.buyer_period_start
        and tallies.period_end = marginal_pairs.buyer_period_end
    where
        tallies.role = 'buyer'
        and tallies.measure = 'share_pct'
        and tallies.buyer_country_code is not null
    group by all
),

seller_marginals as (
    select
        tallies.source_id,
        marginal_pairs.year,
        tallies.seller_country_code as country_code,
        cast(sum(exact_decimal(tallies.amount)) as double) as tasks_sold
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and tallies.period_start = marginal_pairs.seller_period_start
        and tallies.period_end = marginal_pairs.seller_period_end
    where
        tallies.role = 'seller'
        and tallies.measure = 'share_pct'
        and tallies.seller_country_code is not null
    group by all
),

from_marginals as (
    select
        coalesce(buyer_marginals.source_id, seller_marginals.source_id) as source_id,
        coalesce(buyer_marginals.year, seller_marginals.year) as year,
        coalesce(buyer_marginals.country_code, seller_marginals.country_code) as country_code,
        buyer_marginals.tasks_bought,
        seller_marginals.tasks_sold,
        'pct' as unit,
        'marginals' as basis
    from buyer_marginals
    full outer join seller_marginals
        on buyer_marginals.source_id = seller_marginals.source_id
        and buyer_marginals.year = seller_marginals.year
        and buyer_marginals.country_code = seller_marginals.country_code
),

both_bases as (
    select * from from_flows
    union all
    select * from from_marginals
),

final as (
    select
        country_groups.scheme,
        both_bases.source_id,
        both_bases.year,
        both_bases.country_code,
        country_groups.is_north,
        both_bases.tasks_bought,
        both_bases.tasks_sold,
        both_bases.tasks_sold - both_bases.tasks_bought as net_sold,
        both_bases.unit,
        both_bases.basis
    from both_bases
    inner join country_groups on both_bases.country_code = country_groups.country_code
)

select * from final
