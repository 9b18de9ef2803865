-- Written by pipeline/build/run.py (create_staging_views): the staged Parquet files this build read,
-- per staged table (read as stg__<staged_table>), as paths under the staging folder. Left out:
-- the files of superseded raw versions and stale parses, and the data files (not the rejects)
-- of files quarantined because their rows broke a sql/tests rule. Another engine reads exactly
-- these files (pipeline/spark/run.py read_staging).
create table int__staged_files (
    staged_table varchar not null,
    path varchar not null,              -- relative to the staging folder, with / separators
    primary key (staged_table, path)
);
