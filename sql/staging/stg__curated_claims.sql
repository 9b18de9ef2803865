-- stg__curated_claims: the claims of the seed documents (data/curated), as staged
-- (data/staging/curated_claims/source_id=<id>/<key>.parquet). Columns: pipeline/sources/curated.py
-- STAGED, then source_id from the folder names. The build sets the variable
-- stg__curated_claims_files to the Parquet files of this build (those int__staged_files lists), as
-- a list, and creates this file's query as a temporary view.
select *
from read_parquet(
    getvariable('stg__curated_claims_files'),
    hive_partitioning = true,
    hive_types = {'source_id': 'VARCHAR'}
)
