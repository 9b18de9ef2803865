-- Everything that could not be used: the rejects of every parse, plus the awards whose
-- occupation no projects page of the same window gives.
with

parse_rejects as (
    select source_id, location, field, value, reason
    from stg__rejects
),

awards_without_occupation as (
    select
        awards.source_id,
        awards.location,
        'jobs[0].category.name' as field,
        cast(awards.project_id as string) as value,
        'no job category: the project is in no projects page of the same fetch window'
        as reason
    from stg__freelancer_tasks as awards
    where
        awards.kind = 'award'
        and awards.occupation is null
        and not exists (
            select 1
            from stg__freelancer_tasks as projects
            where
                projects.kind = 'project'
                and projects.occupation is not null
                and projects.source_id = awards.source_id
                and projects.fetch_window = awards.fetch_window
                and projects.project_id = awards.project_id
        )
),

final as (
    select * from parse_rejects
    union all
    select * from awards_without_occupation
)

select * from final
