create table core__claims (
    claim_id varchar not null,
    source_id varchar not null,
    role varchar not null check (role in ('buyer', 'seller')),
    country_code varchar,
    region_label varchar,
    statement varchar not null,
    quote varchar,
    platform varchar,
    seed_file varchar,
    cited_study varchar,
    location varchar
);
