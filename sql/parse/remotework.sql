-- Checks the rows of one olm_network_data_<year>.csv (pipeline/sources/remotework.py). Reads
-- raw_rows (cells as text, with the physical line), country_names (each distinct name resolved
-- once) and country_points (label point and tolerance per country), and $file_year (the year
-- the file's name gives); returns every row with its problems (an empty list = usable) and
-- whether its coordinates disagree with its countries.
with

typed as (
    select
        raw_rows.*,
        employers.country_code as buyer_country_code,
        employers.reason as buyer_reason,
        workers.country_code as seller_country_code,
        workers.reason as seller_reason,
        case
            when regexp_full_match("year", '[0-9]{4}')
                or (regexp_full_match("year", '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                    and try_cast("year" as date) is not null)
                then cast(left("year", 4) as integer)
        end as year_number,
        count_value("count", false) as amount,
        concat_ws('|', row_id, "year", employer_country_real, employer_admin1,
            worker_country_real, worker_admin1, "count", employer_lat, employer_lng,
            worker_lat, worker_lng) as whole_row,
        -- a list, not the joined text, so that a cell holding the separator cannot make two rows equal
        list_value(row_id, "year", employer_country_real, employer_admin1,
            worker_country_real, worker_admin1, "count", employer_lat, employer_lng,
            worker_lat, worker_lng) as row_key
    from raw_rows
    left join country_names as employers on raw_rows.employer_country_real = employers.name
    left join country_names as workers on raw_rows.worker_country_real = workers.name
),

repeats as (
    -- each row that occurs more than once in the file: its first line, how many times it is
    -- repeated, its first 21 lines and its last (for repeats_reject)
    select
        row_key, min(line) as first_line, count(*) - 1 as repeat_count,
        min(line, 21) as repeat_lines, max(line) as last_line
    from typed
    group by row_key
    having count(*) > 1
),

located as (
    -- a point farther than the tolerance from its country's label point "disagrees"; the
    -- country column is kept either way, the count only goes to the source's notes
    select
        typed.*,
        repeats.first_line,
        repeats.repeat_count,
        repeats.repeat_lines,
        repeats.last_line,
        coalesce(
            2 * 6371 * asin(least(1, sqrt(
                pow(sin(radians(try_cast(employer_lat as double) - employer_points.lat) / 2), 2)
                + cos(radians(try_cast(employer_lat as double))) * cos(radians(employer_points.lat))
                * pow(sin(radians(try_cast(employer_lng as double) - employer_points.lon) / 2), 2)
            ))) > employer_points.radius_km,
            false
        )
        or coalesce(
            2 * 6371 * asin(least(1, sqrt(
                pow(sin(radians(try_cast(worker_lat as double) - worker_points.lat) / 2), 2)
                + cos(radians(try_cast(worker_lat as double))) * cos(radians(worker_points.lat))
                * pow(sin(radians(try_cast(worker_lng as double) - worker_points.lon) / 2), 2)
            ))) > worker_points.radius_km,
            false
        ) as coordinates_disagree
    from typed
    left join country_points as employer_points
        on typed.buyer_country_code = employer_points.country_code
    left join country_points as worker_points
        on typed.seller_country_code = worker_points.country_code
    left join repeats on typed.row_key = repeats.row_key
),

usable as (
    select
        *,
        not contains(whole_row, chr(65533))
        and coalesce(year_number between 2000 and year($today) + 1, false)
        and not coalesce(year_number <> $file_year, false) and coalesce(amount <= 1e12, false)
        and buyer_country_code is not null and seller_country_code is not null as is_usable
    from located
),

checked as (
    select
        *,
        -- an undecodable byte is the line's one problem: the garbled cells it leaves are not
        -- reported again. The repeats of a usable row are one reject, on the first repeat,
        -- that counts them all; a repeat of a row with another problem is rejected on its own
        -- line, as that row
        case when is_usable then
            repeats_reject(line, repeat_lines, repeat_count, last_line)
        when contains(whole_row, chr(65533)) then [{
            'field': null, 'value': left(whole_row, 200),
            'reason': not_utf8($file_name)
        }] else list_filter([
            case when year_number is null or year_number not between 2000 and year($today) + 1
                then {
                    'field': 'year', 'value': left("year", 200),
                    'reason': 'not a year (YYYY, or a real YYYY-MM-DD date) between 2000 and '
                    || cast(year($today) + 1 as varchar)
                } end,
            -- each year is read from its own file: a row of another year would be counted in
            -- that year's file too
            case when year_number between 2000 and year($today) + 1
                and year_number <> $file_year then {
                    'field': 'year', 'value': left("year", 200),
                    'reason': 'a row of ' || cast(year_number as varchar) || ' in the file of '
                    || cast($file_year as varchar) || ': a year is counted from its own file '
                    || '(olm_network_data_' || cast(year_number as varchar) || '.csv), not here'
                } end,
            case when not coalesce(amount <= 1e12, false) then {
                'field': 'count', 'value': left("count", 200),
                'reason': count_problem("count", false)
            } end,
            case when buyer_country_code is null then {
                'field': 'employer_country_real', 'value': left(employer_country_real, 200),
                'reason': coalesce(buyer_reason, 'unknown country')
            } end,
            case when seller_country_code is null then {
                'field': 'worker_country_real', 'value': left(worker_country_real, 200),
                'reason': coalesce(seller_reason, 'unknown country')
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
    year_number as year,
    buyer_country_code,
    seller_country_code,
    $platform as platform,
    amount,
    coordinates_disagree,
    problems,
    repeats,
    len(problems) = 0 and line = coalesce(first_line, line) as is_staged
from checked
