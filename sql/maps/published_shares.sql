-- The published shares behind estimated layers (basis 'marginals'): a country's share of
-- projects as employer and of workers as worker country. Shown beside the estimated circles,
-- whose figures cover only the countries the source names. Shares do not depend on the scheme.
with

balance as (
    select * from out__country_balance where basis = 'marginals'
),

final as (
    select
        source_id,
        year,
        country_code,
        max(tasks_bought) as published_bought_pct,
        max(tasks_sold) as published_sold_pct
    from balance
    group by source_id, year, country_code
)

select * from final
order by source_id, year, country_code
