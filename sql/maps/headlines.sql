-- The index page's headline per source and year: the share of the work that flows from
-- workers in the South to buyers in the North under $scheme, with method, period and citation.
with

by_direction as (
    select * from out__flows_by_direction where scheme = $scheme
),

flows as (
    select * from out__flows
),

sources as (
    select * from core__sources
),

layers as (
    select
        source_id,
        year,
        sum(tasks) as tasks_total,
        string_agg(distinct method, ' and ' order by method) as method,
        string_agg(distinct unit, ', ' order by unit) as unit
    from by_direction
    group by source_id, year
),

south_to_north as (
    select
        source_id,
        year,
        sum(share_pct) as share_pct
    from by_direction
    where direction = 'south_to_north'
    group by source_id, year
),

periods as (
    select
        source_id,
        year,
        string_agg(distinct period_label, '; ' order by period_label) as period_label,
        string_agg(distinct platform, ', ' order by platform) as platform
    from flows
    group by source_id, year
),

final as (
    select
        layers.source_id,
        layers.year,
        coalesce(south_to_north.share_pct, 0) as south_to_north_pct,
        layers.tasks_total,
        layers.unit,
        layers.method,
        periods.period_label,
        periods.platform,
        sources.title as source_title,
        sources.citation as source_citation,
        sources.url as source_url
    from layers
    left join south_to_north
        on layers.source_id = south_to_north.source_id
        and layers.year is not distinct from south_to_north.year
    left join periods
        on layers.source_id = periods.source_id
        and layers.year is not distinct from periods.year
    left join sources on layers.source_id = sources.source_id
)

select * from final
order by source_id, year desc
