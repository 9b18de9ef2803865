-- The North/South grouping schemes in the database, with where each comes from and how many
-- countries it puts in the North, in the South, and nowhere.
with

country_groups as (
    select * from core__country_groups
),

sources as (
    select * from core__sources
),

counted as (
    select
        scheme,
        string_agg(distinct source_id, ', ' order by source_id) as source_id,
        count(*) filter (where is_north) as countries_north,
        count(*) filter (where not is_north) as countries_south,
        count(*) filter (where is_north is null) as countries_unclassified
    from country_groups
    group by scheme
),

final as (
    select
        counted.*,
        sources.title as source_title,
        sources.citation as source_citation,
        sources.vintage as source_vintage
    from counted
    left join sources on counted.source_id = sources.source_id
)

select * from final
order by scheme
