-- stg__oli_rows: the daily rows of the Online Labour Index files, as staged
-- (data/staging/oli_rows/source_id=<id>/year=<year>/<key>.parquet). Columns:
-- pipeline/sources/oli.py STAGED, then source_id and year from the folder names. The build sets
-- the variable stg__oli_rows_files to the Parquet files of this build (those int__staged_files
-- lists), as a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__oli_rows_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
