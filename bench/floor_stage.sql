-- The least that checking a user flow table and staging its rows takes, in DuckDB alone
-- (bench/duckdb_floor.py): read every cell as text with its line, resolve the country names
-- through the alias table once per distinct name, type the count and the year, and split the
-- rows into usable ones and rejects. No line is followed across quoted newlines and no reason
-- is written per reject: the pipeline does both, so this is a lower bound on its work.
with

cells as (
    select
        row_number() over () + 1 as line,
        filename as file_name,
        trim(buyer_country) as buyer_country,
        trim(seller_country) as seller_country,
        trim("count") as count_text,
        trim("year") as year_text,
        trim(platform) as platform,
        lower(trim(occupation)) as occupation
    from read_csv($files, header = true, all_varchar = true, filename = true)
),

spellings as (
    select alias as name, country_code
    from read_csv($aliases_csv, header = true, all_varchar = true)
    union all
    select name, country_code
    from read_csv($countries_csv, header = true, all_varchar = true)
),

names as (
    select lower(name) as name_key, any_value(country_code) as country_code
    from spellings
    group by lower(name)
    having count(distinct country_code) = 1
),

typed as (
    select
        cells.line,
        cells.file_name,
        buyers.country_code as buyer_country_code,
        sellers.country_code as seller_country_code,
        try_cast(cells.count_text as double) as amount,
        try_cast(cells.year_text as integer) as year,
        nullif(cells.platform, '') as platform,
        coalesce(nullif(cells.occupation, ''), 'unknown') as occupation
    from cells
    left join names as buyers on lower(cells.buyer_country) = buyers.name_key
    left join names as sellers on lower(cells.seller_country) = sellers.name_key
)

select
    *,
    buyer_country_code is not null
    and seller_country_code is not null
    and amount >= 0
    and year between 1990 and 2100
    and occupation in (
        'unknown', 'clerical and data entry', 'creative and multimedia', 'professional services',
        'sales and marketing support', 'software development and technology',
        'writing and translation'
    ) as usable
from typed
