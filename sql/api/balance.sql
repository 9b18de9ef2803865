-- The "balance of payments" of online work under $scheme: per source, year and country, work
-- bought, work sold and net sold (out__country_balance), with the country's name, filtered by
-- $source and $year where they are not null.
with

balance as (
    select * from out__country_balance where scheme = $scheme
),

countries as (
    select * from core__countries
),

final as (
    select
        balance.scheme,
        balance.source_id,
        balance.year,
        balance.country_code,
        countries.name,
        balance.is_north,
        balance.tasks_bought,
        balance.tasks_sold,
        balance.net_sold,
        balance.unit,
        balance.basis
    from balance
    left join countries on balance.country_code = countries.country_code
    where (cast($source as varchar) is null or balance.source_id = $source)
        and (cast($year as bigint) is null or balance.year = $year)
)

select * from final
order by source_id, year, net_sold desc nulls last, country_code
