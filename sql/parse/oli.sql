-- Checks the rows of one OLI deposit file (pipeline/sources/oli.py), employer or worker side.
-- Reads raw_rows (cells as text, with the physical line), country_names (each distinct name
-- resolved once) and occupation_labels (each distinct label mapped once), and $file_date (the
-- date of the deposit the file's name gives, or null). Rows with a real date and amount are
-- staged even when their country or occupation did not map (they form the remainder that makes
-- a year's shares add up to 100); they are still rejects.
with

typed as (
    select
        raw_rows.*,
        case
            when regexp_full_match(left("timestamp", 10), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                then try_cast(left("timestamp", 10) as date)
        end as day,
        count_value(amount_text, $fractional) as amount,
        countries.country_code,
        countries.reason as country_reason,
        labels.occupation_class,
        labels.is_known,
        labels.note,
        concat_ws('|', "timestamp", country, country_group, occupation, amount_text,
            num_projects) as whole_row,
        -- a list, not the joined text, so that a cell holding the separator cannot make two rows equal
        list_value("timestamp", country, country_group, occupation, amount_text,
            num_projects) as row_key
    from raw_rows
    left join country_names as countries on raw_rows.country = countries.name
    left join occupation_labels as labels on raw_rows.occupation = labels.label
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

flagged as (
    select
        typed.*,
        day is not null
        and day between date '2000-01-01' and cast($today as date) + interval 365 day as is_day,
        -- a deposit holds no day after its own date: such a row belongs to another file
        coalesce(day > cast($file_date as date), false) as is_after_deposit,
        coalesce(amount <= 1e12, false) as is_amount,
        repeats.first_line,
        repeats.repeat_count,
        repeats.repeat_lines,
        repeats.last_line
    from typed
    left join repeats on typed.row_key = repeats.row_key
),

usable as (
    select
        *,
        not contains(whole_row, chr(65533)) and is_day and is_amount
        and occupation_class is not null and country_code is not null and not is_after_deposit
        as is_usable
    from flagged
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
        when contains(whole_row, chr(65533)) then [{
            'field': null, 'value': left(whole_row, 200),
            'reason': not_utf8($file_name)
        }] else list_filter([
            case when not is_day then {
                'field': 'timestamp', 'value': left("timestamp", 200),
                'reason': 'not a date in YYYY-MM-DD form between 2000-01-01 and a year from today'
            } end,
            case when is_day and is_after_deposit then {
                'field': 'timestamp', 'value': left("timestamp", 200),
                'reason': 'dated ' || strftime(day, '%Y-%m-%d') || ', after the date of the '
                || 'deposit (' || $file_date || ') its name gives: a deposit holds no later day'
            } end,
            case when not is_amount then {
                'field': $amount_field, 'value': left(amount_text, 200),
                'reason': count_problem(amount_text, $fractional)
            } end,
            case
                when not coalesce(is_known, false) then {
                    'field': 'occupation', 'value': left(occupation, 200),
                    'reason': 'unknown occupation: add it to oli_occupations.csv'
                }
                when occupation_class is null then {
                    'field': 'occupation', 'value': left(occupation, 200),
                    'reason': 'not an occupation class: ' || note
                }
            end,
            case when country_code is null then {
                'field': 'country', 'value': left(country, 200),
                'reason': coalesce(country_reason, 'unknown country')
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
    $kind as kind,
    day,
    year(day) as year,
    country_code,
    occupation_class as occupation,
    -- a known label that is not a class is a total of other rows: counting it would count
    -- them twice
    coalesce(is_known, false) = false or occupation_class is not null as counted,
    amount,
    $platform as platform,
    problems,
    repeats,
    is_day and is_amount and not is_after_deposit and line = coalesce(first_line, line)
    as is_staged
from checked
