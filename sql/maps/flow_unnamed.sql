-- The work of every flow-map layer that is never drawn as a line, by occupation: an estimate's
-- work with the countries its source does not name ('not_named': the named country's code is
-- kept when it has a label point, so its circle and tooltip can count it) and pairs whose
-- countries have no label point ('unlocated', codes dropped). The page adds them to the
-- layer's whole total and shows the unnamed share in the legend.
with

flows as (
    select * from out__flows
),

countries as (
    select * from core__countries
),

marked as (
    select
        flows.source_id,
        flows.year,
        flows.unit,
        flows.occupation,
        flows.tasks,
        flows.buyer_country_code is null or flows.seller_country_code is null as is_not_named,
        buyer.country_code as buyer_located,
        seller.country_code as seller_located
    from flows
    left join countries as buyer on flows.buyer_country_code = buyer.country_code
    left join countries as seller on flows.seller_country_code = seller.country_code
    where flows.tasks is not null
),

final as (
    select
        source_id,
        year,
        unit,
        occupation,
        case when is_not_named then 'not_named' else 'unlocated' end as kind,
        case when is_not_named then buyer_located end as buyer_country_code,
        case when is_not_named then seller_located end as seller_country_code,
        sum(tasks) as tasks
    from marked
    where is_not_named or buyer_located is null or seller_located is null
    group by all
)

select * from final
order by source_id, year, unit, occupation, kind, buyer_country_code, seller_country_code
