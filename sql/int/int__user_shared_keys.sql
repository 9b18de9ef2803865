-- The flow keys (pair, year, platform, occupation) that more than one file of a source gives,
-- with the newest of those files: the rows of the older files are superseded. Grouped once,
-- only in a source of several files, as most sources hold one file and most keys come from one
-- file; the build keeps it as a temporary table, so core__tallies (through
-- int__user_rows_ranked) and core__rejects read the result rather than group every row again.
-- Portable SQL: Spark runs it as it is.
with

user_rows as (
    select
        stg__csv_rows.source_id,
        stg__csv_rows.buyer_country_code,
        stg__csv_rows.seller_country_code,
        stg__csv_rows.year,
        stg__csv_rows.platform,
        stg__csv_rows.occupation,
        int__user_files.file_order
    from stg__csv_rows
    inner join int__user_files
        on stg__csv_rows.source_id = int__user_files.source_id
        and stg__csv_rows.file_name = int__user_files.file_name
        and stg__csv_rows.import_seq = int__user_files.import_seq
        and stg__csv_rows.imported_day = int__user_files.imported_day
    where stg__csv_rows.source_id in (
        select source_id from int__user_files where file_order > 1
    )
),

shared_keys as (
    select
        source_id,
        buyer_country_code,
        seller_country_code,
        year,
        platform,
        occupation,
        min(file_order) as newest_order
    from user_rows
    group by source_id, buyer_country_code, seller_country_code, year, platform, occupation
    having min(file_order) < max(file_order)
),

final as (
    select shared_keys.*, newest.file_name as newest_file_name
    from shared_keys
    inner join int__user_files as newest
        on shared_keys.source_id = newest.source_id
        and shared_keys.newest_order = newest.file_order
)

select * from final
