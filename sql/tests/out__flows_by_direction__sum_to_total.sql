-- Under every scheme, the directions of a source and year add up to all its flows, and their
-- shares to 100.
with

totals as (
    select source_id, year, sum(tasks) as tasks
    from out__flows
    group by all
),

schemes as (
    select distinct scheme from core__country_groups
),

by_direction as (
    select scheme, source_id, year, sum(tasks) as tasks, sum(share_pct) as share_pct
    from out__flows_by_direction
    group by all
),

final as (
    select
        schemes.scheme,
        totals.source_id,
        totals.year,
        totals.tasks as flow_tasks,
        by_direction.tasks as direction_tasks,
        by_direction.share_pct
    from totals
    cross join schemes
    left join by_direction
        on by_direction.scheme = schemes.scheme
        and by_direction.source_id = totals.source_id
        and by_direction.year = totals.year
)

select * from final
where
    direction_tasks is null
    or abs(direction_tasks - flow_tasks) > 1e-6 * greatest(1, flow_tasks)
    or abs(share_pct - 100) > 1e-6
