-- One row per (source_id, task_id): sql/core/core__tasks.sql keeps the newest observation and
-- sql/tests/tasks_unique_key.sql checks it (a primary key would cost memory at scale).
create table core__tasks (
    task_id varchar not null,
    source_id varchar not null,
    platform varchar not null,
    task_date date,
    buyer_country_code varchar,
    seller_country_code varchar,
    occupation varchar not null,
    price_usd double,
    location varchar                   -- raw file and record the row came from
);
