create table core__countries (
    country_code varchar primary key,  -- ISO 3166-1 alpha-3, XKX for Kosovo
    iso2 varchar not null,
    name varchar not null,
    region varchar,                    -- UN M49 region
    subregion varchar,                 -- UN M49 sub-region
    intermediate_region varchar,       -- UN M49 intermediate region (Central America...)
    lon double not null,               -- label point inside the country
    lat double not null
);
