-- How much of each source's work goes each way between North and South, per grouping scheme.
-- Direction follows the work (macro work_direction, sql/macros.sql): south_to_north =
-- the worker (seller) is in the South and the buyer in the North. Domestic work counts in its
-- own group (north_to_north or south_to_south). A pair that a scheme cannot classify (a
-- country without a World Bank income group, say) is kept as 'unclassified', never dropped.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

flows as (
    select * from out__flows
),

country_groups as (
    select * from core__country_groups
),

classified as (
    select
        buyer_groups.scheme,
        flows.source_id,
        flows.year,
        flows.method,
        flows.unit,
        flows.tasks,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction
    from flows
    inner join country_groups as buyer_groups
        on flows.buyer_country_code = buyer_groups.country_code
    inner join country_groups as seller_groups
        on flows.seller_country_code = seller_groups.country_code
        and buyer_groups.scheme = seller_groups.scheme
),

summed as (
    select
        scheme,
        source_id,
        year,
        direction,
        method,
        unit,
        cast(sum(exact_decimal(tasks)) as double) as tasks
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
