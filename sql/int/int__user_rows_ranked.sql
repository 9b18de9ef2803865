-- The rows of the users' own flow tables (stg__csv_rows), each with the rank of its file and of
-- the newest file that gives its flow key (pair, year, platform, occupation): a key given by
-- several files (a table and its corrected copy under another name) is taken from the most
-- recently imported file only (int__user_shared_keys). core__tallies keeps the rows where
-- file_order = newest_order; core__rejects lists the others as superseded by newest_file_name.
-- Portable SQL: Spark runs it as it is.
with

user_rows as (
    select stg__csv_rows.*, int__user_files.file_order
    from stg__csv_rows
    inner join int__user_files
        on stg__csv_rows.source_id = int__user_files.source_id
        and stg__csv_rows.file_name = int__user_files.file_name
        and stg__csv_rows.import_seq = int__user_files.import_seq
        and stg__csv_rows.imported_day = int__user_files.imported_day
),

final as (
    select
        user_rows.*,
        coalesce(shared.newest_order, user_rows.file_order) as newest_order,
        -- a key no other file gives is the row's own file's
        coalesce(shared.newest_file_name, user_rows.file_name) as newest_file_name
    from user_rows
    left join int__user_shared_keys as shared
        on user_rows.source_id = shared.source_id
        and user_rows.buyer_country_code is not distinct from shared.buyer_country_code
        and user_rows.seller_country_code is not distinct from shared.seller_country_code
        and user_rows.year is not distinct from shared.year
        and user_rows.platform is not distinct from shared.platform
        and user_rows.occupation is not distinct from shared.occupation
)

select * from final
