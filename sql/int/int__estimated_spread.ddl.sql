-- Written by pipeline/build/estimate.py, read by sql/out/out__flows_by_direction.sql and
-- sql/out/out__estimate_summary.sql: for every estimate fitted with an observed prior, the
-- estimated cells that involve a country the source does not name, spread over the prior's
-- countries in proportion to the prior's own cells (what fitting the prior country by country
-- gives when each remainder is held to its published total). North and South are decided from
-- these countries in SQL (macro work_direction), never here.
create table int__estimated_spread (
    source_id varchar not null,
    year integer not null,
    period_label varchar not null,
    occupation varchar not null,
    buyer_country_code varchar,        -- null: the prior has no unnamed buyer to spread over
    seller_country_code varchar,       -- null: the prior has no unnamed seller to spread over
    buyer_named boolean not null,      -- the source names this buyer
    seller_named boolean not null,     -- the source names this seller
    tasks double not null,             -- percent of the estimate's whole total
    unit varchar not null,
    prior varchar not null             -- '<source_id> <year>' of the observed prior
);
