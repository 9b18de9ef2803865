-- stg__csv_rows: the rows of the users' own flow tables, as staged
-- (data/staging/csv_rows/source_id=<id>/year=<year>/<key>.parquet). Columns:
-- pipeline/sources/user_csv.py STAGED, then source_id and year from the folder names. The build
-- sets the variable stg__csv_rows_files to the Parquet files of this build (those
-- int__staged_files lists), as a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__csv_rows_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
