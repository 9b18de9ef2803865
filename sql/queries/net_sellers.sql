-- Countries that do more online work than they buy, under the default North/South scheme.
select
    balance.source_id,
    balance.year,
    countries.name as country,
    case when balance.is_north then 'North' else 'South' end as grouped_as,
    balance.tasks_bought,
    balance.tasks_sold,
    balance.net_sold,
    balance.unit,
    balance.basis
from out__country_balance as balance
inner join core__countries as countries on balance.country_code = countries.country_code
where balance.scheme = 'un_m49_developed' and balance.net_sold is not null
order by balance.source_id, balance.year, balance.net_sold desc
