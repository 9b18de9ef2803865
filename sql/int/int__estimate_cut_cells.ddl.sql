-- Written by pipeline/build/estimate.py, read by sql/out/out__estimate_cut_check.sql: every
-- observed buyer × seller matrix (source × year, occupations and platforms summed) cut to as
-- many countries per side as an estimate names (its largest buyers and sellers, the others
-- lumped), estimated again from the cut's two marginals alone, with no prior and with the
-- nearest other observed year of the same source as prior, and set beside the observed cells.
-- With a prior the lumped countries are spread like the prior's; with none they stay unnamed
-- (null codes). One row per country pair.
create table int__estimate_cut_cells (
    buyers_named integer not null,
    sellers_named integer not null,
    source_id varchar not null,
    year integer not null,
    prior varchar not null,            -- 'none', or '<source_id> <year>'
    buyer_country_code varchar,        -- null: the buyers the cut does not name, not spread
    seller_country_code varchar,       -- null: the sellers the cut does not name, not spread
    buyer_named boolean not null,      -- among the cut's named buyers
    seller_named boolean not null,     -- among the cut's named sellers
    observed double not null,          -- projects observed
    estimated double not null          -- projects estimated from the cut's marginals
);
