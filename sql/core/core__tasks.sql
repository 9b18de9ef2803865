-- One row per task. A task seen in several raw files (a page fetched again) keeps the newest
-- observation: the latest raw day, then the latest file name, then the last record. An award
-- whose bids page carries no job category takes its occupation from the projects pages of the
-- same fetch window; an award still without one is in core__rejects, not here.
with

tasks as (
    select * from stg__freelancer_tasks
),

project_occupations as (
    select source_id, fetch_window, project_id, max(occupation) as occupation
    from tasks
    where kind = 'project' and occupation is not null
    group by source_id, fetch_window, project_id
),

with_occupation as (
    select
        tasks.*,
        coalesce(tasks.occupation, project_occupations.occupation) as task_occupation
    from tasks
    left join project_occupations
        on tasks.source_id = project_occupations.source_id
        and tasks.fetch_window = project_occupations.fetch_window
        and tasks.project_id = project_occupations.project_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_id, task_id
            order by raw_day desc, file_name desc, record desc
        ) as observation
    from with_occupation
    where task_occupation is not null
),

final as (
    select
        task_id,
        source_id,
        platform,
        task_date,
        buyer_country_code,
        seller_country_code,
        task_occupation as occupation,
        price_usd,
        location
    from ranked
    where observation = 1
)

select * from final
