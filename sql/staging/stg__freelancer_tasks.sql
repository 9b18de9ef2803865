-- stg__freelancer_tasks: the projects and awarded bids of the Freelancer.com API pages, as staged
-- (data/staging/freelancer_tasks/source_id=<id>/year=<year>/<key>.parquet). Columns:
-- pipeline/sources/freelancer.py STAGED, then source_id and year from the folder names. The build
-- sets the variable stg__freelancer_tasks_files to the Parquet files of this build (those
-- int__staged_files lists), as a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__freelancer_tasks_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR', 'year': 'BIGINT'}
)
