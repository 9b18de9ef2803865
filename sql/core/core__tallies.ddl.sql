create table core__tallies (
    source_id varchar not null,
    platform varchar not null,
    period_start date not null,
    period_end date not null,
    role varchar not null check (role in ('buyer', 'seller', 'pair')),
    buyer_country_code varchar,
    seller_country_code varchar,
    -- a region or remainder that is not a country ("rest of world", "Asia")
    region_label varchar,
    occupation varchar not null,
    measure varchar not null,          -- share_pct, projects, workers, rank
    amount double not null,
    qualifier varchar,                 -- as printed: "about", "more than"
    citation varchar,                  -- when a row has its own publication
    location varchar
);
