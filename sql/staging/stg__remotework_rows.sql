-- stg__remotework_rows: the region-pair rows of the remote-work network files, as staged
-- (data/staging/remotework_rows/source_id=<id>/year=<year>/<key>.parquet). Columns:
-- pipeline/sources/remotework.py STAGED, then source_id and year from the folder names. The build
-- sets the variable stg__remotework_rows_files to the Parquet files of this build (those
-- int__staged_files lists), as a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__remotework_rows_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
