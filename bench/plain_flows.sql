-- The best single hand-written DuckDB query for the task rows of out__flows: one pass over the
-- tasks grouped on their raw keys, constants and the citation added to the grouped rows.
create or replace table plain_flows as
select
    grouped.source_id,
    grouped.platform,
    grouped.year,
    cast(grouped.year as varchar) as period_label,
    grouped.occupation,
    grouped.buyer_country_code,
    grouped.seller_country_code,
    cast(grouped.n_tasks as double) as tasks,
    'projects' as unit,
    grouped.value_usd,
    'observed' as method,
    core__sources.citation
from (
    select
        source_id,
        platform,
        year(task_date) as year,
        occupation,
        buyer_country_code,
        seller_country_code,
        count(*) as n_tasks,
        sum(cast(floor(price_usd * 100 + 0.5) as bigint)) / 100 as value_usd
    from core__tasks
    where
        buyer_country_code is not null
        and seller_country_code is not null
        and task_date is not null
    group by all
) as grouped
left join core__sources on grouped.source_id = core__sources.source_id
