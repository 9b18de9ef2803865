-- One row per source: every row elsewhere points here for its citation.
create table core__sources (
    source_id varchar primary key,
    title varchar not null,
    publisher varchar,
    url varchar,
    licence varchar,
    citation varchar not null,
    -- scraped, downloaded, curated, or reference (the vendored country and boundary tables)
    method varchar not null check (method in ('scraped', 'downloaded', 'curated', 'reference')),
    retrieved_at timestamp,
    vintage varchar,
    notes varchar,
    buyer_unit varchar,                -- what one buyer share counts, when the source says
    seller_unit varchar,               -- what one seller share counts, when the source says
    -- the market the source measures (pipeline/sources/meta.py MARKETS); null: not declared
    market varchar,
    -- the source (or outside study) whose data it re-reports, as declared
    derived_from varchar
);
