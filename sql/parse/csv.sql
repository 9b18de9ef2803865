-- Checks the rows of a user's flow table (pipeline/sources/user_csv.py). Reads raw_rows (the
-- file's cells as text, with the physical line), country_names (each distinct name resolved
-- once) and occupations; returns every row with its problems (an empty list = usable).
with

cells as (
    select
        line,
        buyer_country,
        seller_country,
        "count" as count_text,
        "year" as year_text,
        nullif(platform, '') as platform,
        coalesce(nullif(lower(regexp_replace(occupation, '\s+', ' ', 'g')), ''), 'unknown')
            as occupation_text,
        concat_ws('|', buyer_country, seller_country, "count", "year", platform, occupation) as whole_row,
        -- a list, not the joined text, so that a cell holding the separator cannot make two rows equal
        list_value(buyer_country, seller_country, "count", "year", platform, occupation) as row_key
    from raw_rows
),

repeats as (
    -- the first line of each row that occurs more than once in the file
    select row_key, min(line) as first_line
    from cells
    group by row_key
    having count(*) > 1
),

typed as (
    select
        cells.*,
        buyers.country_code as buyer_country_code,
        buyers.reason as buyer_reason,
        sellers.country_code as seller_country_code,
        sellers.reason as seller_reason,
        case
            when regexp_full_match(year_text, '[0-9]{4}')
                and try_cast(year_text as integer) between 2000 and year($today) + 1
                then cast(year_text as integer)
        end as year,
        try_cast(count_text as double) as amount,
        occupations.occupation,
        repeats.first_line
    from cells
    left join country_names as buyers on cells.buyer_country = buyers.name
    left join country_names as sellers on cells.seller_country = sellers.name
    left join occupations on cells.occupation_text = occupations.occupation
    left join repeats on cells.row_key = repeats.row_key
),

checked as (
    select
        *,
        -- most rows have no problem: the list is built only for the others
        case when
            buyer_country_code is not null and seller_country_code is not null
            and year is not null and occupation is not null and first_line is null
            and isfinite(amount) and amount between 0 and 1e12
            and not contains(whole_row, chr(65533))
        then [] else list_filter([
            case when contains(whole_row, chr(65533)) then {
                'field': null, 'value': left(whole_row, 200),
                'reason': 'undecodable byte: this line is not UTF-8'
            } end,
            case when buyer_country_code is null then {
                'field': 'buyer_country', 'value': left(buyer_country, 200), 'reason': coalesce(buyer_reason, 'unknown country')
            } end,
            case when seller_country_code is null then {
                'field': 'seller_country', 'value': left(seller_country, 200),
                'reason': coalesce(seller_reason, 'unknown country')
            } end,
            case when year is null then {
                'field': 'year', 'value': left(year_text, 200),
                'reason': 'not a year between 2000 and ' || cast(year($today) + 1 as varchar)
            } end,
            case when amount is null or not isfinite(amount) or amount < 0 or amount > 1e12 then {
                'field': 'count', 'value': left(count_text, 200),
                'reason': 'not a number between 0 and 1e12'
            } end,
            case when occupation is null then {
                'field': 'occupation', 'value': left(occupation_text, 200),
                'reason': 'unknown occupation: use one of ' || (
                    select string_agg(occupation, ', ') from occupations
                )
            } end,
            case when line > coalesce(first_line, line) then {
                'field': null, 'value': null,
                'reason': 'exact duplicate of line ' || cast(first_line as varchar) || ' (counted once)'
            } end
        ], lambda problem: problem is not null) end as problems
    from typed
)

select
    $source_id as source_id,
    $file_name || ':' || cast(line as varchar) as location,
    $file_name as file_name,
    line,
    year,
    buyer_country_code,
    seller_country_code,
    occupation,
    coalesce(platform, $platform_default) as platform,
    amount,
    problems,
    len(problems) = 0 as is_staged
from checked
