-- Written by pipeline/build/estimate.py (iterative proportional fitting), read by sql/out/out__flows.sql.
-- One row per estimate (source × year × pairing of marginals × occupation) and cell of its
-- buyer × seller grid. A side's cell is a country or, for remainders such as "rest of world",
-- a region label: those cells take part in the fit and hold their share of the 100, and
-- out__flows keeps them as rows with a null country code.
create table int__estimated_flows (
    source_id varchar not null,
    platform varchar not null,
    year integer not null,
    period_label varchar not null,
    occupation varchar not null,
    buyer_country_code varchar,
    buyer_region_label varchar,
    seller_country_code varchar,
    seller_region_label varchar,
    tasks double not null,             -- percent of the estimate's whole total
    unit varchar not null,
    citation varchar,
    prior varchar not null,            -- 'none', or '<source_id> <year>' of the observed prior
    iterations integer not null
);
