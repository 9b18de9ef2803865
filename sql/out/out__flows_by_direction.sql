-- How much of each source's work goes each way between North and South, per grouping scheme.
-- Direction follows the work (macro work_direction, sql/macros.sql): south_to_north =
-- the worker (seller) is in the South and the buyer in the North. Domestic work counts in its
-- own group (north_to_north or south_to_south). A pair that a scheme cannot classify (a
-- country without a World Bank income group, say) is kept as 'unclassified', never dropped.
-- An estimate counts against its whole total: the work of the countries the source does not
-- name (out__flows rows with a null country code) is spread like the prior's countries when
-- the estimate has a prior (int__estimated_spread), and is otherwise 'not_named': no stated
-- model gives its direction, so it is neither dropped nor guessed.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

flows as (
    select * from out__flows
),

spread as (
    select * from int__estimated_spread
),

country_groups as (
    select * from core__country_groups
),

schemes as (
    select distinct scheme from country_groups
),

spread_estimates as (
    select distinct source_id, year, period_label, occupation from spread
),

-- every row a country pair, or with a null code where no model names the country
cells as (
    select source_id, year, method, unit, tasks, buyer_country_code, seller_country_code
    from flows
    where buyer_country_code is not null and seller_country_code is not null
    union all
    select source_id, year, 'estimated' as method, unit, tasks, buyer_country_code,
        seller_country_code
    from spread
    union all
    select
        flows.source_id,
        flows.year,
        flows.method,
        flows.unit,
        flows.tasks,
        flows.buyer_country_code,
        flows.seller_country_code
    from flows
    left join spread_estimates
        on flows.source_id = spread_estimates.source_id
        and flows.year = spread_estimates.year
        and flows.period_label = spread_estimates.period_label
        and flows.occupation = spread_estimates.occupation
    where
        (flows.buyer_country_code is null or flows.seller_country_code is null)
        and spread_estimates.source_id is null
),

-- one row per country pair, year and method before the pairs are classified under each scheme:
-- millions of user rows share a few thousand pairs a year, and the sums, exact decimals, add up
-- the same in two steps as in one
pairs as (
    select
        source_id,
        year,
        method,
        unit,
        buyer_country_code,
        seller_country_code,
        sum(exact_decimal(tasks)) as tasks
    from cells
    group by source_id, year, method, unit, buyer_country_code, seller_country_code
),

classified as (
    select
        schemes.scheme,
        pairs.source_id,
        pairs.year,
        pairs.method,
        pairs.unit,
        pairs.tasks,
        case
            when pairs.buyer_country_code is null or pairs.seller_country_code is null
                then 'not_named'
            else work_direction(seller_groups.is_north, buyer_groups.is_north)
        end as direction
    from pairs
    cross join schemes
    left join country_groups as buyer_groups
        on pairs.buyer_country_code = buyer_groups.country_code
        and buyer_groups.scheme = schemes.scheme
    left join country_groups as seller_groups
        on pairs.seller_country_code = seller_groups.country_code
        and seller_groups.scheme = schemes.scheme
),

summed as (
    select
        scheme,
        source_id,
        year,
        direction,
        method,
        unit,
        cast(sum(tasks) as double) as tasks
    from classified
    group by scheme, source_id, year, direction, method, unit
),

final as (
    select
        scheme,
        source_id,
        year,
        direction,
        tasks,
        100 * tasks
        / cast(sum(exact_decimal(tasks)) over (partition by scheme, source_id, year) as double)
            as share_pct,
        method,
        unit
    from summed
)

select * from final
