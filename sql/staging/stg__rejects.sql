-- stg__rejects: what every parse could not use (file:row, field, value, reason), as staged
-- (data/staging/rejects/source_id=<id>/<key>.parquet). Columns: pipeline/build/staging.py
-- REJECT_SCHEMA, then source_id from the folder names. The build sets the variable
-- stg__rejects_files to the Parquet files of this build (those int__staged_files lists), as a
-- list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__rejects_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR'},
    -- files staged before rejects had a repeats column read it as null
    union_by_name = true
)
