-- What each source re-reports, and the family it counts in (written by the loader from the
-- sources' derived_from, pipeline/build/tables.py): a source, and every source that re-reports
-- its data, cast one vote in the claims check.
create table core__source_lineage (
    source_id varchar not null,
    -- null: the source as a whole; else one platform label its derived_from names
    platform varchar,
    derived_from varchar,
    family varchar not null
);
