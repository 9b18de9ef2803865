-- The occupation classes as an enum (pipeline.records.OCCUPATIONS, in that order): grouping
-- tasks on a one-byte key rather than a string of up to 35 characters makes the out__flows
-- build about a fifth faster at 10 M tasks (bench/results.md). Parquet exports carry it as text.
create type occupation_class as enum (
    'clerical and data entry',
    'creative and multimedia',
    'professional services',
    'sales and marketing support',
    'software development and technology',
    'writing and translation',
    'unknown'
);

create table core__tasks (
    task_id varchar not null,
    source_id varchar not null,
    platform varchar not null,
    task_date date,
    buyer_country_code varchar,
    seller_country_code varchar,
    occupation occupation_class not null,
    price_usd double,
    location varchar                   -- raw file and record the row came from
    -- (source_id, task_id) is unique: checked by sql/tests/task_ids_unique.sql, not a key
);
