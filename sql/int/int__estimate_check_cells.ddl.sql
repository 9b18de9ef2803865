-- Written by pipeline/build/estimate.py, read by sql/out/out__estimate_check.sql: for every observed
-- buyer × seller matrix (source × year, occupations and platforms summed) the observed cells
-- and the cells estimated from the matrix's two marginals alone, with no prior and with the
-- nearest other observed year of the same source as prior.
create table int__estimate_check_cells (
    source_id varchar not null,
    year integer not null,
    prior varchar not null,            -- 'none', or '<source_id> <year>'
    buyer_country_code varchar not null,
    seller_country_code varchar not null,
    observed double not null,
    estimated double not null
);
