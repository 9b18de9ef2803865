-- The spread of an estimate's unnamed cells over its prior's countries moves no work in or
-- out: per estimate and named country (or none), the spread rows add up to the out__flows
-- rows whose other country is not named, within 1e-9 points.
with

spread as (
    select
        source_id,
        year,
        period_label,
        occupation,
        case when buyer_named then buyer_country_code end as buyer_cell,
        case when seller_named then seller_country_code end as seller_cell,
        sum(tasks) as tasks
    from int__estimated_spread
    group by all
),

unnamed as (
    select
        source_id,
        year,
        period_label,
        occupation,
        buyer_country_code as buyer_cell,
        seller_country_code as seller_cell,
        sum(tasks) as tasks
    from out__flows
    where
        method = 'estimated'
        and prior <> 'none'
        and (buyer_country_code is null or seller_country_code is null)
    group by all
),

final as (
    select
        coalesce(spread.source_id, unnamed.source_id) as source_id,
        coalesce(spread.period_label, unnamed.period_label) as period_label,
        coalesce(spread.buyer_cell, unnamed.buyer_cell) as buyer_cell,
        coalesce(spread.seller_cell, unnamed.seller_cell) as seller_cell,
        spread.tasks as spread_tasks,
        unnamed.tasks as unnamed_tasks
    from spread
    full outer join unnamed
        on spread.source_id = unnamed.source_id
        and spread.year = unnamed.year
        and spread.period_label = unnamed.period_label
        and spread.occupation = unnamed.occupation
        and spread.buyer_cell is not distinct from unnamed.buyer_cell
        and spread.seller_cell is not distinct from unnamed.seller_cell
)

select * from final
where abs(coalesce(spread_tasks, 0) - coalesce(unnamed_tasks, 0)) > 1e-9
