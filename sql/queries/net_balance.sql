-- Which countries sell the most online work net of what they buy (the "balance of payments" of
-- online work)? Countries ranked by net work sold within each source and year, under the default
-- North/South scheme; published marginals give net shares in percentage points.
select
    balance.source_id,
    balance.year,
    rank() over (
        partition by balance.source_id, balance.year, balance.basis order by balance.net_sold desc
    ) as net_rank,
    countries.name as country,
    case when balance.is_north then 'North' when not balance.is_north then 'South' end
        as grouped_as,
    round(balance.tasks_bought, 2) as bought,
    round(balance.tasks_sold, 2) as sold,
    round(balance.net_sold, 2) as net_sold,
    balance.unit,
    balance.basis
from out__country_balance as balance
inner join core__countries as countries on balance.country_code = countries.country_code
where balance.scheme = 'un_m49_developed' and balance.net_sold is not null
order by balance.source_id, balance.year, balance.basis, net_rank, country
