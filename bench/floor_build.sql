-- The least that building the user rows into the database's two row-level tables takes, in
-- DuckDB alone (bench/duckdb_floor.py): every usable staged row kept with where it came from
-- (file and line), as core__tallies keeps it, then grouped into flows per pair, year, platform
-- and occupation, as out__flows groups them. Plain double sums, no estimate, no SQL test.
create table tallies as
select
    buyer_country_code,
    seller_country_code,
    year,
    platform,
    occupation,
    amount,
    file_name || ':' || cast(line as varchar) as location
from read_parquet(getvariable('staged_files'), hive_partitioning = true);

create table flows as
select
    * exclude (amount, location),
    sum(amount) as tasks
from tallies
group by all;
