-- The files of the users' own flow tables (stg__csv_rows), one row per imported file, numbered
-- newest first within its source (the import order: the manifest's seq, then the day folder,
-- then the name). The build keeps it as a temporary table: the ranking of the rows reads it
-- several times. Portable SQL: Spark runs it as it is.
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
