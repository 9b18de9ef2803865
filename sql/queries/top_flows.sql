-- The largest flows between two different countries, all sources together (units differ by
-- source: read the unit column).
with

flows as (
    select * from out__flows
    where buyer_country_code <> seller_country_code
),

named as (
    select
        flows.source_id,
        flows.year,
        buyers.name as buyer,
        sellers.name as seller,
        sum(flows.tasks) as tasks,
        any_value(flows.unit) as unit,
        any_value(flows.method) as method
    from flows
    inner join core__countries as buyers on flows.buyer_country_code = buyers.country_code
    inner join core__countries as sellers on flows.seller_country_code = sellers.country_code
    group by all
),

final as (
    select
        *,
        row_number() over (partition by source_id, year order by tasks desc) as rank_in_source
    from named
)

select * from final
where rank_in_source <= 10
order by source_id, year, rank_in_source
