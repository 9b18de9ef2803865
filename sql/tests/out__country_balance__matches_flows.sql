-- For observed flows, the work bought and sold over all countries equals the flows' total.
with

flow_totals as (
    select source_id, year, sum(tasks) as tasks
    from out__flows
    where method = 'observed'
    group by all
),

balance_totals as (
    select scheme, source_id, year, sum(tasks_bought) as bought, sum(tasks_sold) as sold
    from out__country_balance
    where basis = 'flows'
    group by all
)

select balance_totals.*, flow_totals.tasks
from balance_totals
inner join flow_totals
    on balance_totals.source_id = flow_totals.source_id
    and balance_totals.year = flow_totals.year
where
    abs(balance_totals.bought - flow_totals.tasks) > 1e-6 * greatest(1, flow_totals.tasks)
    or abs(balance_totals.sold - flow_totals.tasks) > 1e-6 * greatest(1, flow_totals.tasks)
