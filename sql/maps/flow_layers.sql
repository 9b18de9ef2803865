-- One row per flow-map layer (source × year × unit): how many cross-border pairs there are,
-- how many cannot be drawn (a country without a label point), and the layer's whole total:
-- domestic work, the work of countries an estimate's source does not name (rows with a null
-- code, never a line) and the pairs without a label point included, so that "X % of the work
-- shown" is a share of the source's whole work. For estimated layers, what the estimate
-- combines and the model behind it (out__estimate_summary).
-- Richest layer first (observed before estimated): the flow map opens on it.
with

flows as (
    select * from out__flows
),

countries as (
    select * from core__countries
),

sources as (
    select * from core__sources
),

estimates as (
    select
        source_id,
        year,
        max(unit) as combines,
        max(model) as model,
        max(unnamed_model) as unnamed_model
    from out__estimate_summary
    group by source_id, year
),

marked as (
    select
        flows.*,
        flows.buyer_country_code = flows.seller_country_code as is_domestic,
        buyer.country_code is not null and seller.country_code is not null as is_located,
        flows.buyer_country_code is null or flows.seller_country_code is null as is_not_named
    from flows
    left join countries as buyer on flows.buyer_country_code = buyer.country_code
    left join countries as seller on flows.seller_country_code = seller.country_code
),

layers as (
    select
        source_id,
        year,
        unit,
        count(distinct buyer_country_code || '>' || seller_country_code)
            filter (where not is_domestic and is_located) as flows_total,
        count(distinct buyer_country_code || '>' || seller_country_code)
            filter (where not is_domestic and not is_located) as flows_unlocated,
        coalesce(sum(tasks) filter (where not is_domestic and is_located), 0) as tasks_cross_border,
        coalesce(sum(tasks) filter (where is_domestic), 0) as tasks_domestic,
        coalesce(sum(tasks) filter (where is_not_named), 0) as tasks_not_named,
        coalesce(sum(tasks), 0) as tasks_total,
        string_agg(distinct method, ' and ' order by method) as method,
        string_agg(distinct period_label, '; ' order by period_label) as period_label,
        string_agg(distinct platform, ', ' order by platform) as platform,
        string_agg(distinct citation, ' | ' order by citation) as row_citation,
        string_agg(distinct occupation, '|' order by occupation) as occupations
    from marked
    group by source_id, year, unit
),

final as (
    select
        layers.*,
        sources.title as source_title,
        sources.citation as source_citation,
        coalesce(layers.row_citation, sources.citation) as citation,
        sources.url as source_url,
        estimates.combines,
        estimates.model,
        estimates.unnamed_model,
        sources.licence
    from layers
    left join sources on layers.source_id = sources.source_id
    left join estimates
        on layers.source_id = estimates.source_id
        and layers.year is not distinct from estimates.year
)

select * from final
order by method <> 'observed', flows_total desc, source_id, year desc, unit
