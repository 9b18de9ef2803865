-- Everything that could not be used: the rejects of every parse and of the loader (the raw
-- files that fail their manifest check, the files quarantined because their rows broke a
-- sql/tests rule), plus the awards whose occupation no projects page of the same window gives,
-- and the rows of a user's file whose flow key a more recently imported file gives (superseded,
-- not loaded).
with

parse_rejects as (
    select source_id, location, field, value, reason
    from stg__rejects
),

loader_rejects as (
    select source_id, location, field, value, reason
    from int__loader_rejects
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

-- the same ranking as core__tallies: the newest file gives a shared flow key
user_files as (
    -- one row per imported file, numbered newest first within its source (the import order:
    -- the manifest's seq, then the day folder, then the name)
    select
        source_id,
        file_name,
        import_seq,
        imported_day,
        row_number() over (
            partition by source_id
            order by import_seq desc, imported_day desc, file_name desc
        ) as file_order
    from (select distinct source_id, file_name, import_seq, imported_day from stg__csv_rows)
),

user_rows as (
    select stg__csv_rows.*, user_files.file_order
    from stg__csv_rows
    inner join user_files
        on stg__csv_rows.source_id = user_files.source_id
        and stg__csv_rows.file_name = user_files.file_name
        and stg__csv_rows.import_seq = user_files.import_seq
        and stg__csv_rows.imported_day = user_files.imported_day
),

shared_keys as (
    -- the flow keys given by more than one file, with the newest of those files; grouped
    -- rather than ranked row by row, and only in a source of several files, as most sources
    -- hold one file and most keys come from one file
    select
        source_id,
        buyer_country_code,
        seller_country_code,
        year,
        platform,
        occupation,
        min(file_order) as newest_order
    from user_rows
    where source_id in (select source_id from user_files where file_order > 1)
    group by source_id, buyer_country_code, seller_country_code, year, platform, occupation
    having min(file_order) < max(file_order)
),

user_superseded as (
    select
        user_rows.source_id,
        user_rows.file_name || ':' || cast(user_rows.line as string) as location,
        'count' as field,
        cast(user_rows.amount as string) as value,
        'superseded by ' || newest.file_name || ': same pair, year, platform and occupation'
        as reason
    from user_rows
    inner join shared_keys
        on user_rows.source_id = shared_keys.source_id
        and user_rows.buyer_country_code is not distinct from shared_keys.buyer_country_code
        and user_rows.seller_country_code is not distinct from shared_keys.seller_country_code
        and user_rows.year is not distinct from shared_keys.year
        and user_rows.platform is not distinct from shared_keys.platform
        and user_rows.occupation is not distinct from shared_keys.occupation
    inner join user_files as newest
        on shared_keys.source_id = newest.source_id
        and shared_keys.newest_order = newest.file_order
    where user_rows.file_order > shared_keys.newest_order
),

final as (
    select * from parse_rejects
    union all
    select * from loader_rejects
    union all
    select * from awards_without_occupation
    union all
    select * from user_superseded
)

select * from final
