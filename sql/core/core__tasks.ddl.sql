-- The occupation classes as an enum (pipeline.util.records.OCCUPATIONS, in that order): grouping
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

-- One row per (source_id, task_id): sql/core/core__tasks.sql keeps the newest observation and
-- sql/tests/core__tasks__unique_key.sql checks it (a primary key would cost memory at scale).
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
);
