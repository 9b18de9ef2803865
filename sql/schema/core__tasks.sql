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
    -- (source_id, task_id) is unique: checked by sql/tests/task_ids_unique.sql, not a key
);
