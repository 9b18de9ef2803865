-- The published shares behind estimated layers (basis 'marginals'): a country's share as
-- employer and as worker country, with what each side's shares count (core__sources
-- buyer_unit, seller_unit: vacancies, worker profiles, ...). Shown beside the estimated
-- circles. Shares do not depend on the scheme.
with

balance as (
    select * from out__country_balance where basis = 'marginals'
),

sources as (
    select * from core__sources
),

shares as (
    select
        source_id,
        year,
        country_code,
        max(tasks_bought) as published_bought_pct,
        max(tasks_sold) as published_sold_pct
    from balance
    group by source_id, year, country_code
),

final as (
    select
        shares.*,
        sources.buyer_unit,
        sources.seller_unit
    from shares
    left join sources on shares.source_id = sources.source_id
)

select * from final
order by source_id, year, country_code
