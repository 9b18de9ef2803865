create table core__rejects (
    source_id varchar not null,
    location varchar not null,          -- file:row, or URL
    field varchar,
    value varchar,
    reason varchar not null
);
