-- Everything that could not be used: the rejects of every parse, plus the awards whose
-- occupation no projects page of the same window gives, and the rows of a user's file whose flow
-- key a more recently imported file gives (superseded, not loaded).
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

user_ranked as (
    -- the same rule as core__tallies.user_pairs: the newest file gives a shared flow key
    select
        *,
        first_value(file_name) over (
            partition by
                source_id, buyer_country_code, seller_country_code, year, platform, occupation
            order by import_seq desc, imported_day desc, file_name desc
        ) as newest_file
    from stg__csv_rows
),

user_superseded as (
    select
        source_id,
        file_name || ':' || cast(line as string) as location,
        'count' as field,
        cast(amount as string) as value,
        'superseded by ' || newest_file || ': same pair, year, platform and occupation'
        as reason
    from user_ranked
    where file_name <> newest_file
),

final as (
    select * from parse_rejects
    union all
    select * from awards_without_occupation
    union all
    select * from user_superseded
)

select * from final
