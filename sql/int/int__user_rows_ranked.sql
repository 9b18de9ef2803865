-- The rows of the users' own flow tables (stg__csv_rows), each with the rank of its file and of
-- the newest file that gives its flow key (pair, year, platform, occupation): a key given by
-- several files (a table and its corrected copy under another name) is taken from the most
-- recently imported file only. core__tallies keeps the rows where file_order = newest_order;
-- core__rejects lists the others as superseded by newest_file_name. Portable SQL: Spark runs it
-- as it is.
with

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

ranked as (
    select
        user_rows.*,
        coalesce(shared_keys.newest_order, user_rows.file_order) as newest_order
    from user_rows
    left join shared_keys
        on user_rows.source_id = shared_keys.source_id
        and user_rows.buyer_country_code is not distinct from shared_keys.buyer_country_code
        and user_rows.seller_country_code is not distinct from shared_keys.seller_country_code
        and user_rows.year is not distinct from shared_keys.year
        and user_rows.platform is not distinct from shared_keys.platform
        and user_rows.occupation is not distinct from shared_keys.occupation
),

final as (
    select ranked.*, newest.file_name as newest_file_name
    from ranked
    inner join user_files as newest
        on ranked.source_id = newest.source_id
        and ranked.newest_order = newest.file_order
)

select * from final
