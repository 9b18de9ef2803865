-- Written by pipeline/build/run.py before sql/core runs, read by sql/core/core__rejects.sql: what the
-- loader itself leaves out, not a parser — the raw files that fail their manifest check and
-- the files quarantined because their rows broke a sql/tests rule.
create table int__loader_rejects (
    source_id varchar not null,
    location varchar not null,
    field varchar,
    value varchar,
    reason varchar not null
);
