-- The flows of out__flows with the direction of the work under $scheme (macro
-- work_direction, as the maps use it) and the countries' names, filtered by $source, $year,
-- $direction and $occupation where they are not null. One row per source × year ×
-- occupation × country pair, as in out__flows (domestic work included: its direction is that
-- of a pair inside one country).
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

directed as (
    select
        flows.source_id,
        flows.platform,
        flows.year,
        flows.period_label,
        flows.occupation,
        flows.buyer_country_code,
        buyers.name as buyer_name,
        flows.seller_country_code,
        sellers.name as seller_name,
        flows.tasks,
        flows.unit,
        flows.value_usd,
        flows.method,
        flows.prior,
        $scheme as scheme,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction,
        flows.citation
    from flows
    left join countries as buyers on flows.buyer_country_code = buyers.country_code
    left join countries as sellers on flows.seller_country_code = sellers.country_code
    left join country_groups as buyer_groups
        on flows.buyer_country_code = buyer_groups.country_code
    left join country_groups as seller_groups
        on flows.seller_country_code = seller_groups.country_code
),

final as (
    select *
    from directed
    where (cast($source as varchar) is null or source_id = $source)
        and (cast($year as bigint) is null or year = $year)
        and (cast($direction as varchar) is null or direction = $direction)
        and (cast($occupation as varchar) is null or occupation = $occupation)
)

select * from final
order by source_id, year, occupation, tasks desc, buyer_country_code, seller_country_code
