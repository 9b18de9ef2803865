-- stg__shares_rows: the published shares of the users' shares files, as staged
-- (data/staging/shares_rows/source_id=<id>/year=<year>/<key>.parquet; one source id per file,
-- shares_<file name>). Columns: pipeline/sources/shares.py STAGED, then source_id and year from
-- the folder names. The build sets the variable stg__shares_rows_files to the Parquet files of
-- this build (those int__staged_files lists), as a list, and creates this file's query as a
-- temporary view.
select *
from read_parquet(
    getvariable('stg__shares_rows_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
