-- The "balance of payments" of online work: per balance-map layer (source × year × basis ×
-- unit) and country, work bought, work sold and the net (sold - bought), under $scheme.
-- net_sold is null when a source publishes only one side for the country.
with

balance as (
    select * from out__country_balance where scheme = $scheme
),

countries as (
    select * from core__countries
),

sources as (
    select * from core__sources
),

final as (
    select
        balance.source_id,
        balance.year,
        balance.basis,
        balance.unit,
        balance.country_code,
        coalesce(countries.name, balance.country_code) as name,
        balance.is_north,
        balance.tasks_bought,
        balance.tasks_sold,
        balance.net_sold,
        sources.title as source_title,
        sources.citation as source_citation
    from balance
    left join countries on balance.country_code = countries.country_code
    left join sources on balance.source_id = sources.source_id
)

select * from final
order by source_id, year desc, basis, unit, country_code
