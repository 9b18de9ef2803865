-- The flows part of out__country_balance by hand, over plain_flows.
create or replace table plain_balance as
select
    groups.scheme,
    sides.source_id,
    sides.year,
    sides.country_code,
    groups.is_north,
    sum(sides.bought) as tasks_bought,
    sum(sides.sold) as tasks_sold,
    sum(sides.sold) - sum(sides.bought) as net_sold,
    sides.unit,
    'flows' as basis
from (
    select source_id, year, unit, buyer_country_code as country_code, tasks as bought, 0 as sold
    from plain_flows
    union all
    select source_id, year, unit, seller_country_code, 0, tasks
    from plain_flows
) as sides
inner join core__country_groups as groups on sides.country_code = groups.country_code
group by all
