-- Every country with its name, label point and North/South group under $scheme (null when the
-- scheme does not classify it): the background shading and names of the maps.
with

countries as (
    select * from core__countries
),

country_groups as (
    select * from core__country_groups where scheme = $scheme
),

final as (
    select
        countries.country_code,
        countries.name,
        countries.lon,
        countries.lat,
        country_groups.is_north
    from countries
    left join country_groups on countries.country_code = country_groups.country_code
)

select * from final
order by country_code
