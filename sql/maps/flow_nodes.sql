-- Work bought abroad, sold abroad and done at home per country and flow-map layer
-- (source × year × unit), with the country's label point and its North/South group under
-- $scheme. Domestic work (buyer = seller) is never a line; it shows in the country's circle.
-- For estimated layers the published shares the estimate came from are added: the flows only
-- cover the countries the source names, so they understate what a country buys or sells.
with

flows as (
    select * from out__flows
),

countries as (
    select * from core__countries
),

country_groups as (
    select * from core__country_groups where scheme = $scheme
),

published as (
    select * from out__country_balance
    where scheme = $scheme and basis = 'marginals'
),

sides as (
    select
        source_id,
        year,
        unit,
        buyer_country_code as country_code,
        case when buyer_country_code <> seller_country_code then tasks else 0 end as bought,
        0 as sold,
        case when buyer_country_code = seller_country_code then tasks else 0 end as internal
    from flows
    union all
    select
        source_id,
        year,
        unit,
        seller_country_code as country_code,
        0 as bought,
        case when buyer_country_code <> seller_country_code then tasks else 0 end as sold,
        0 as internal
    from flows
),

totals as (
    select
        source_id,
        year,
        unit,
        country_code,
        sum(bought) as tasks_bought,
        sum(sold) as tasks_sold,
        sum(internal) as tasks_internal
    from sides
    where country_code is not null
    group by source_id, year, unit, country_code
),

final as (
    select
        totals.source_id,
        totals.year,
        totals.unit,
        totals.country_code,
        countries.name,
        countries.lon,
        countries.lat,
        country_groups.is_north,
        totals.tasks_bought,
        totals.tasks_sold,
        totals.tasks_internal,
        totals.tasks_sold - totals.tasks_bought as net_sold,
        totals.tasks_bought + totals.tasks_sold + totals.tasks_internal as tasks_involved,
        published.tasks_bought as published_bought_pct,
        published.tasks_sold as published_sold_pct,
        published.country_code is not null as has_published
    from totals
    inner join countries on totals.country_code = countries.country_code
    left join country_groups on totals.country_code = country_groups.country_code
    left join published
        on totals.source_id = published.source_id
        and totals.year = published.year
        and totals.country_code = published.country_code
)

select * from final
order by source_id, year, unit, tasks_involved desc, country_code
