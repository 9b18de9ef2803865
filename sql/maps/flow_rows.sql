-- Every flow of every flow-map layer (source × year × unit) by occupation, domestic work
-- included (buyer = seller: never a line, part of the country's circle). Pairs whose countries
-- have no label point are left out here and counted in flow_layers.sql. No scheme: each pair's
-- direction under every scheme is in flow_directions.sql. value_usd: the money the source
-- records for the flow (Freelancer amounts in US dollars), null where it records none.
with

flows as (
    select * from out__flows
),

countries as (
    select * from core__countries
),

located as (
    select flows.*
    from flows
    inner join countries as buyer on flows.buyer_country_code = buyer.country_code
    inner join countries as seller on flows.seller_country_code = seller.country_code
),

final as (
    select
        source_id,
        year,
        unit,
        occupation,
        buyer_country_code,
        seller_country_code,
        sum(tasks) as tasks,
        sum(value_usd) as value_usd,
        case
            when min(method) = max(method) then min(method)
            else 'observed and estimated'
        end as method
    from located
    where tasks is not null
    group by source_id, year, unit, occupation, buyer_country_code, seller_country_code
)

select * from final
order by source_id, year, unit, occupation, buyer_country_code, seller_country_code
