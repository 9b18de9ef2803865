-- Everything that could not be used: the rejects of every parse and of the loader (the raw
-- files that fail their manifest check, the files quarantined because their rows broke a
-- sql/tests rule), plus the awards whose occupation no projects page of the same window gives,
-- the rows of a user's file whose flow key a more recently imported file gives, and the OLI rows
-- of a day of a series that another file gives (superseded, not loaded).
with

parse_rejects as (
    -- a reject summing up the exact repeats of an earlier line stands for `repeats` lines
    select source_id, location, field, value, reason, repeats
    from stg__rejects
),

loader_rejects as (
    select source_id, location, field, value, reason, cast(null as bigint) as repeats
    from int__loader_rejects
),

awards_without_occupation as (
    select
        awards.source_id,
        awards.location,
        'jobs[0].category.name' as field,
        cast(awards.project_id as string) as value,
        'no job category: the project is in no projects page of the same fetch window'
        as reason,
        cast(null as bigint) as repeats
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

user_superseded as (
    -- the rows of a user's file whose flow key a more recently imported file gives
    -- (int__user_shared_keys, by which int__user_rows_ranked ranks the rows core__tallies
    -- keeps): joined to the shared keys alone, so that a source whose files share no key costs
    -- no pass over its rows
    select
        rows.source_id,
        rows.file_name || ':' || cast(rows.line as string) as location,
        'count' as field,
        cast(rows.amount as string) as value,
        'superseded by ' || shared.newest_file_name
        || ': same pair, year, platform and occupation' as reason,
        cast(null as bigint) as repeats
    from stg__csv_rows as rows
    inner join int__user_files as files
        on rows.source_id = files.source_id
        and rows.file_name = files.file_name
        and rows.import_seq = files.import_seq
        and rows.imported_day = files.imported_day
    inner join int__user_shared_keys as shared
        on rows.source_id = shared.source_id
        and rows.buyer_country_code is not distinct from shared.buyer_country_code
        and rows.seller_country_code is not distinct from shared.seller_country_code
        and rows.year is not distinct from shared.year
        and rows.platform is not distinct from shared.platform
        and rows.occupation is not distinct from shared.occupation
    where files.file_order > shared.newest_order
),

oli_superseded as (
    -- the rows of a day of an OLI series that another file gives (int__oli_rows_ranked: the
    -- ranking core__tallies keeps one file's rows by); a row the parse rejected already (its
    -- country or occupation unknown) is not listed twice
    select
        source_id,
        file_name || ':' || cast(line as string) as location,
        'timestamp' as field,
        cast(day as string) as value,
        'superseded by ' || newest_file_name || ': the same day of the ' || kind || ' series'
        as reason,
        cast(null as bigint) as repeats
    from int__oli_rows_ranked
    where file_order > newest_order and country_code is not null and occupation is not null
),

final as (
    select * from parse_rejects
    union all
    select * from loader_rejects
    union all
    select * from awards_without_occupation
    union all
    select * from user_superseded
    union all
    select * from oli_superseded
)

select * from final
