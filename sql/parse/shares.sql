-- Checks the rows of a user's file of published shares (pipeline/sources/shares.py). Reads
-- raw_rows (the file's cells as text, with the physical line), country_names (each distinct
-- name resolved once) and occupations; returns every row with its problems (an empty list =
-- usable). A row is checked alone first; then, among the rows with no problem of their own, a
-- country named twice for one side, a second set of shares for one side and year, and every
-- row of a side whose shares add up to more than 100 (± 0.5 for rounding) are rejected.
with

cells as (
    select
        line,
        side,
        country,
        share_pct as share_text,
        "year" as year_text,
        nullif(platform, '') as platform_cell,
        occupation as occupation_cell,
        coalesce(
            contains(side, chr(65533)) or contains(country, chr(65533))
            or contains(share_pct, chr(65533)) or contains("year", chr(65533))
            or contains(platform, chr(65533)) or contains(occupation, chr(65533)),
            false
        ) as has_bad_byte
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

typed as (
    select
        cells.*,
        case when lower(cells.side) in ('buyer', 'seller') then lower(cells.side) end as role,
        countries.country_code,
        countries.reason as country_reason,
        case
            when regexp_full_match(cells.year_text, '[0-9]{4}')
                and try_cast(cells.year_text as integer) between 2000 and year($today) + 1
                then cast(cells.year_text as integer)
        end as year,
        try_cast(cells.share_text as double) as share_pct,
        occupation_texts.occupation_text,
        occupations.occupation,
        coalesce(cells.platform_cell, $platform_default) as platform
    from cells
    left join occupation_texts
        on cells.occupation_cell is not distinct from occupation_texts.occupation_cell
    left join country_names as countries on cells.country = countries.name
    left join occupations on occupation_texts.occupation_text = occupations.occupation
),

row_checked as (
    select
        *,
        -- an undecodable byte is the line's one problem: the garbled cells it leaves are not
        -- reported again
        case when has_bad_byte then [{
            'field': null,
            'value': left(concat_ws(
                '|', side, country, share_text, year_text, platform_cell, occupation_cell
            ), 200),
            'reason': 'undecodable byte: this line is not UTF-8'
        }] else list_filter([
            case when role is null then {
                'field': 'side', 'value': left(side, 200),
                'reason': 'unknown side: write buyer (the employers'' side) or seller (the workers'')'
            } end,
            case when country_code is null then {
                'field': 'country', 'value': left(country, 200),
                'reason': coalesce(country_reason, 'unknown country')
            } end,
            case when share_pct is null or not isfinite(share_pct)
                or share_pct < 0 or share_pct > 100 then {
                'field': 'share_pct', 'value': left(share_text, 200),
                'reason': 'not a share between 0 and 100 (a percentage)'
            } end,
            case when year is null then {
                'field': 'year', 'value': left(year_text, 200),
                'reason': 'not a year between 2000 and ' || cast(year($today) + 1 as varchar)
            } end,
            case when occupation is null then {
                'field': 'occupation', 'value': left(occupation_text, 200),
                'reason': 'unknown occupation: use one of ' || (
                    select string_agg(occupation, ', ') from occupations
                )
            } end
        ], lambda problem: problem is not null) end as row_problems
    from typed
),

usable as (
    -- the rows with no problem of their own; a country is counted once per side and set
    select
        line,
        role,
        year,
        platform,
        occupation,
        country_code,
        share_pct,
        min(line) over (
            partition by role, year, platform, occupation, country_code
        ) as country_first_line
    from row_checked
    where len(row_problems) = 0
),

sets as (
    -- each set of shares (platform and occupation) of one side and year, by its first line
    select role, year, platform, occupation, min(line) as set_first_line
    from usable
    group by role, year, platform, occupation
),

first_sets as (
    -- the set the file gives first for each side and year is the one loaded
    select sets.*
    from sets
    qualify set_first_line = min(set_first_line) over (partition by role, year)
),

totals as (
    -- what the loaded set of each side adds up to, summed as exact decimals (the order of
    -- the rows cannot change the total, README "Identical rebuilds")
    select
        first_sets.role,
        first_sets.year,
        cast(sum(
            cast(floor(usable.share_pct) as decimal(20, 0))
            + cast(usable.share_pct - floor(usable.share_pct) as decimal(18, 17))
        ) as double) as total_pct
    from usable
    inner join first_sets
        on usable.role = first_sets.role
        and usable.year = first_sets.year
        and usable.platform = first_sets.platform
        and usable.occupation = first_sets.occupation
    where usable.line = usable.country_first_line
    group by first_sets.role, first_sets.year
),

checked as (
    select
        row_checked.*,
        case
            when len(row_checked.row_problems) > 0 then row_checked.row_problems
            when usable.line > usable.country_first_line then [{
                'field': 'country', 'value': left(row_checked.country, 200),
                'reason': 'the ' || usable.role || ' shares of ' || cast(usable.year as varchar)
                    || ' name this country already on line '
                    || cast(usable.country_first_line as varchar) || ' (counted once)'
            }]
            when usable.platform is distinct from first_sets.platform
                or usable.occupation is distinct from first_sets.occupation then [{
                'field': case
                    when usable.occupation is distinct from first_sets.occupation
                        then 'occupation' else 'platform'
                end,
                'value': left(case
                    when usable.occupation is distinct from first_sets.occupation
                        then usable.occupation else usable.platform
                end, 200),
                'reason': 'a second set of ' || usable.role || ' shares for '
                    || cast(usable.year as varchar) || ': the set on line '
                    || cast(first_sets.set_first_line as varchar) || ' (platform '
                    || first_sets.platform || ', occupation ' || first_sets.occupation
                    || ') is the one loaded; one file holds one set per side and year, so '
                    || 'put this one in a file of its own'
            }]
            when totals.total_pct > 100.5 then [{
                'field': 'share_pct', 'value': left(row_checked.share_text, 200),
                'reason': 'the ' || usable.role || ' shares of ' || cast(usable.year as varchar)
                    || ' in ' || $file_name || ' add up to '
                    || cast(round(totals.total_pct, 6) as varchar)
                    || ', over 100 (± 0.5 for rounding): this side is not loaded; correct '
                    || 'its figures'
            }]
            else []
        end as problems
    from row_checked
    left join usable on row_checked.line = usable.line
    left join first_sets
        on usable.role = first_sets.role and usable.year = first_sets.year
    left join totals on usable.role = totals.role and usable.year = totals.year
)

select
    $source_id as source_id,
    $file_name || ':' || cast(line as varchar) as location,
    $file_name as file_name,
    line,
    year,
    role,
    country_code,
    occupation,
    platform,
    share_pct,
    $citation as citation,
    problems,
    len(problems) = 0 as is_staged
from checked
