create table core__rejects (
    source_id varchar not null,
    location varchar not null,          -- file:row, or URL
    field varchar,
    value varchar,
    reason varchar not null,
    -- on the one reject that sums up the exact repeats of an earlier line (reason "exact
    -- duplicate of line N (counted once): K repeats, on lines …"): K, the lines it stands for,
    -- its own included; null on every other reject
    repeats bigint
);
