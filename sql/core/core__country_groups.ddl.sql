create table core__country_groups (
    scheme varchar not null,
    country_code varchar not null,
    -- null when the scheme does not classify the country (e.g. no World Bank income group)
    is_north boolean,
    source_id varchar not null,
    primary key (scheme, country_code)
);
