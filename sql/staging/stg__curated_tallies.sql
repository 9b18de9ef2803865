-- stg__curated_tallies: the published figures of the curated datasets (data/curated/*.csv), as
-- staged (data/staging/curated_tallies/source_id=<id>/year=<year>/<key>.parquet). Columns:
-- pipeline/sources/curated.py STAGED, then source_id and year from the folder names. The build
-- sets the variable stg__curated_tallies_files to the Parquet files of this build (those
-- int__staged_files lists), as a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__curated_tallies_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
