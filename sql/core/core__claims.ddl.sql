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
    location varchar,
    -- the market the claim is about (pipeline/sources/meta.py MARKETS)
    market varchar not null,
    proposition varchar not null check (proposition in ('leading', 'present', 'anecdote')),
    proposition_words varchar not null,
    proposition_words_en varchar,
    stated_share_pct double,
    scope varchar,
    region_m49 varchar,
    region_definition varchar,
    review_note varchar
);
