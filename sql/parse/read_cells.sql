-- The cells of a delimited file as text, read by DuckDB in the file's order, one row per line
-- after the header (pipeline/parse/engine_read.py checks that every line is one record before
-- it trusts this). Empty cells are '' rather than null, as the row-by-row reader gives them;
-- blank marks a line of spaces ($spaces, what Python's str.strip removes) and delimiters only,
-- which is not a record.
with

cells as (
    select coalesce(columns(*), '')
    from read_csv(
        $path,
        header = false,
        skip = $skip,
        delim = $delimiter,
        quote = '"',
        escape = '"',
        columns = $columns,
        auto_detect = false,
        strict_mode = true,
        null_padding = false,
        max_line_size = $max_line
    )
),

joined as (
    select *, concat(*columns(*)) as line_text
    from cells
)

select
    * exclude (line_text),
    -- a line whose first cell starts with a character other than a space is no blank line:
    -- only the few others are tested whole
    case
        when c0 <> '' and not list_contains($space_codes, ascii(c0)) then false
        else regexp_full_match(line_text, '[' || $spaces || ']*')
    end as blank
from joined
