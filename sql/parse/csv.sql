-- Checks the rows of a user's flow table (pipeline/sources/user_csv.py). Reads raw_rows (the
-- file's cells as text, with the physical line), country_names (each distinct name resolved
-- once) and occupations; returns every row with its problems (an empty list = usable). A row's
-- dataset, when the table gives one, is kept with its platform ("user data (survey B)"), so
-- that two datasets never give the same flow key.
with

cells as not materialized (
    -- computed where it is read rather than kept: a copy of every row costs more than the
    -- few expressions
    select
        line,
        buyer_country,
        seller_country,
        "count" as count_text,
        "year" as year_text,
        nullif(platform, '') as platform,
        nullif(dataset, '') as dataset,
        -- the row's cells as written, hashed to find repeats cheaply (the cells apart, not
        -- joined text, so that a cell holding a separator cannot make two rows equal)
        hash(buyer_country, seller_country, "count", "year", platform, occupation, dataset)
            as row_hash,
        coalesce(
            contains(buyer_country, chr(65533)) or contains(seller_country, chr(65533))
            or contains("count", chr(65533)) or contains("year", chr(65533))
            or contains(platform, chr(65533)) or contains(occupation, chr(65533))
            or contains(dataset, chr(65533)),
            false
        ) as has_bad_byte,
        platform as platform_cell,
        dataset as dataset_cell,
        occupation as occupation_cell
    from raw_rows
),

occupation_texts as (
    -- each distinct occupation as written, normalised once (spaces collapsed, lower case)
    select
        occupation as occupation_cell,
        coalesce(nullif(lower(regexp_replace(occupation, '\s+', ' ', 'g')), ''), 'unknown')
            as occupation_text
    from (select distinct occupation from raw_rows)
),

repeated_hashes as (
    -- most files repeat no row: only rows whose hash repeats are compared cell by cell
    select row_hash
    from cells
    group by row_hash
    having count(*) > 1
),

repeats as (
    -- each row that occurs more than once in the file: its first line, how many times it is
    -- repeated, its first 21 lines and its last (for repeats_reject)
    select
        row_hash, buyer_country, seller_country, count_text, year_text, platform_cell,
        occupation_cell, dataset_cell, min(line) as first_line, count(*) - 1 as repeat_count,
        min(line, 21) as repeat_lines, max(line) as last_line
    from cells
    semi join repeated_hashes on cells.row_hash = repeated_hashes.row_hash
    group by all
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
            when regexp_full_match(cells.year_text, '[0-9]{4}')
                and try_cast(cells.year_text as integer) between 2000 and year($today) + 1
                then cast(cells.year_text as integer)
        end as year,
        count_value(cells.count_text, false) as amount,
        occupation_texts.occupation_text,
        occupations.occupation,
        repeats.first_line,
        repeats.repeat_count,
        repeats.repeat_lines,
        repeats.last_line
    from cells
    left join occupation_texts
        on cells.occupation_cell is not distinct from occupation_texts.occupation_cell
    left join country_names as buyers on cells.buyer_country = buyers.name
    left join country_names as sellers on cells.seller_country = sellers.name
    left join occupations on occupation_texts.occupation_text = occupations.occupation
    left join repeats
        on cells.row_hash = repeats.row_hash
        and cells.buyer_country is not distinct from repeats.buyer_country
        and cells.seller_country is not distinct from repeats.seller_country
        and cells.count_text is not distinct from repeats.count_text
        and cells.year_text is not distinct from repeats.year_text
        and cells.platform_cell is not distinct from repeats.platform_cell
        and cells.occupation_cell is not distinct from repeats.occupation_cell
        and cells.dataset_cell is not distinct from repeats.dataset_cell
),

usable as (
    select
        *,
        not has_bad_byte and buyer_country_code is not null and seller_country_code is not null
        and year is not null and occupation is not null and coalesce(amount <= 1e12, false)
        as is_usable
    from typed
),

checked as (
    select
        *,
        -- most rows have no problem: the list is built only for the others. An undecodable
        -- byte is the line's one problem: the garbled cells it leaves are not reported again.
        -- The repeats of a usable row are one reject, on the first repeat, that counts them
        -- all; a repeat of a row with another problem is rejected on its own line, as that row
        case when is_usable then
            repeats_reject(line, repeat_lines, repeat_count, last_line)
        when has_bad_byte then [{
            'field': null,
            'value': left(concat_ws(
                '|', buyer_country, seller_country, count_text, year_text, platform_cell,
                occupation_cell, dataset_cell
            ), 200),
            'reason': not_utf8($file_name)
        }] else list_filter([
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
            case when not coalesce(amount <= 1e12, false) then {
                'field': 'count', 'value': left(count_text, 200),
                'reason': count_problem(count_text, false)
            } end,
            case when occupation is null then {
                'field': 'occupation', 'value': left(occupation_text, 200),
                'reason': 'unknown occupation: use one of the six labels ' || (
                    select string_agg('''' || occupation || '''', ', ' order by occupation)
                    from occupations
                    where occupation <> 'unknown'
                ) || ' (any case), or leave it empty (unknown)'
            } end,
            case when line > coalesce(first_line, line) then {
                'field': null, 'value': null,
                'reason': duplicate_reason(first_line)
            } end
        ], lambda problem: problem is not null) end as problems,
        -- the lines the summary of repeats stands for, its own included
        case when is_usable and line = repeat_lines[2] then repeat_count end as repeats
    from usable
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
    coalesce(platform, $platform_default) || coalesce(' (' || dataset || ')', '') as platform,
    amount,
    problems,
    repeats,
    len(problems) = 0 and line = coalesce(first_line, line) as is_staged
from checked
