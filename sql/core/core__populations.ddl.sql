create table core__populations (
    country_code varchar not null primary key,
    population bigint not null check (population > 0),
    year integer not null,
    source_id varchar not null
);
