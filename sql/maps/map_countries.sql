-- Every country with its name and label point: the circles, labels and tooltips of the maps;
-- its UN M49 sub-region decides which way its flows go round the world (curves.py) and groups
-- it with its neighbours at world zoom; its population (null where core__populations has
-- none) gives the per-million view.
with

countries as (
    select * from core__countries
),

populations as (
    select * from core__populations
),

sources as (
    select * from core__sources
),

final as (
    select
        countries.country_code,
        countries.name,
        countries.lon,
        countries.lat,
        countries.subregion,
        populations.population,
        populations.year as population_year,
        sources.citation as population_citation
    from countries
    left join populations on countries.country_code = populations.country_code
    left join sources on populations.source_id = sources.source_id
    where countries.lon is not null and countries.lat is not null
)

select * from final
order by country_code
