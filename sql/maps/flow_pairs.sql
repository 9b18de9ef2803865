-- Every cross-border buyer/seller pair per map layer (source × year × unit), occupations summed,
-- ranked by volume within the layer. Parameters: $scheme (North/South grouping), $top_n (how
-- many pairs per layer the flow map draws). Pairs whose countries have no label point are left
-- out here and counted in flow_layers.sql instead.
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

sources as (
    select * from core__sources
),

cross_border as (
    select *
    from flows
    where buyer_country_code <> seller_country_code
),

pairs as (
    select
        source_id,
        year,
        unit,
        buyer_country_code,
        seller_country_code,
        sum(tasks) as tasks,
        sum(value_usd) as value_usd,
        count(distinct occupation) as occupations,
        string_agg(distinct period_label, '; ' order by period_label) as period_label,
        string_agg(distinct platform, ', ' order by platform) as platform,
        case
            when min(method) = max(method) then min(method)
            else 'observed and estimated'
        end as method,
        string_agg(distinct citation, ' | ' order by citation) as row_citation
    from cross_border
    group by source_id, year, unit, buyer_country_code, seller_country_code
),

located as (
    select
        pairs.*,
        buyer.name as buyer_name,
        buyer.lon as buyer_lon,
        buyer.lat as buyer_lat,
        seller.name as seller_name,
        seller.lon as seller_lon,
        seller.lat as seller_lat
    from pairs
    inner join countries as buyer on pairs.buyer_country_code = buyer.country_code
    inner join countries as seller on pairs.seller_country_code = seller.country_code
),

classified as (
    select
        located.*,
        buyer_groups.is_north as buyer_is_north,
        seller_groups.is_north as seller_is_north,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction
    from located
    left join country_groups as buyer_groups
        on located.buyer_country_code = buyer_groups.country_code
    left join country_groups as seller_groups
        on located.seller_country_code = seller_groups.country_code
),

cited as (
    select
        classified.*,
        coalesce(classified.row_citation, sources.citation) as citation
    from classified
    left join sources on classified.source_id = sources.source_id
),

ranked as (
    select
        cited.*,
        100 * cited.tasks / nullif(sum(cited.tasks) over layer, 0) as share_pct,
        row_number() over (
            layer order by cited.tasks desc, cited.buyer_country_code, cited.seller_country_code
        ) as rank_in_layer,
        count(*) over layer as flows_in_layer,
        exists (
            select 1
            from pairs as opposite
            where
                opposite.source_id = cited.source_id
                and opposite.year is not distinct from cited.year
                and opposite.unit = cited.unit
                and opposite.buyer_country_code = cited.seller_country_code
                and opposite.seller_country_code = cited.buyer_country_code
        ) as has_reverse
    from cited
    window layer as (partition by cited.source_id, cited.year, cited.unit)
),

final as (
    select
        source_id,
        year,
        unit,
        buyer_country_code,
        buyer_name,
        buyer_lon,
        buyer_lat,
        buyer_is_north,
        seller_country_code,
        seller_name,
        seller_lon,
        seller_lat,
        seller_is_north,
        direction,
        tasks,
        share_pct,
        value_usd,
        occupations,
        period_label,
        platform,
        method,
        citation,
        has_reverse,
        rank_in_layer,
        flows_in_layer
    from ranked
    where rank_in_layer <= $top_n
)

select * from final
order by source_id, year, unit, rank_in_layer
