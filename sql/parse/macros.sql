-- The number grammar of count cells, which every parse check shares (sql/parse/<source>.sql;
-- pipeline/parse/tabular.run_checks creates these macros first). A count is written as digits
-- only: no sign, no thousands separator, no '_', no exponent, no fraction, so that '1.234'
-- (1234 with a European thousands separator) is never read as 1.234 and '1_000' never as 1000.
-- A column whose source declares fractional values (the OLI's weighted worker counts:
-- fractional_counts in oli.yaml) also takes a decimal point and an exponent, as programs
-- write them ('20.5', '1e-05'). Counts are at most 10^12.

-- The value of a count cell, or null when the cell breaks the grammar (the reason is
-- count_problem's).
create or replace temp macro count_value(cell, fractional) as
    case
        when regexp_full_match(cell, '[0-9]+')
            or (fractional and regexp_full_match(
                cell, '([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?'
            ))
            then try_cast(cell as double)
    end;

-- Why a count cell is not a count between 0 and 10^12 (null when it is one), naming the value.
create or replace temp macro count_problem(cell, fractional) as
    case
        when cell is null or cell = '' then 'not a count: the cell is empty'
        when contains(cell, '_') then
            'not a count: ''' || left(cell, 40) || ''' holds ''_'': write the digits alone'
        when regexp_full_match(cell, '[-+]0*(\.0*)?([eE][-+]?[0-9]+)?') and regexp_matches(cell, '0')
            then 'not a count: ''' || left(cell, 40) || ''' is a signed zero: write 0'
        when starts_with(cell, '-') then
            'not a count between 0 and 1e12: ''' || left(cell, 40) || ''' is negative'
        when starts_with(cell, '+') then
            'not a count: ''' || left(cell, 40) || ''' has a sign: write the digits alone'
        when regexp_matches(cell, '[0-9][,'' ][0-9]') then
            'not a count: ''' || left(cell, 40) || ''' has a thousands separator or a decimal '
            || 'comma: write the digits alone' || case when fractional then ', with a point for '
            || 'the decimals' else '' end
        when not fractional and regexp_full_match(cell, '[0-9]{1,3}(\.[0-9]{3})+') then
            'not a whole count: ''' || left(cell, 40) || ''' reads as a number with a thousands '
            || 'separator (' || replace(cell, '.', '') || ') or as a fraction; this column counts '
            || 'whole projects: write the digits alone'
        when not fractional and regexp_full_match(cell, '[0-9]*\.[0-9]*') and cell <> '.' then
            'not a whole count: ''' || left(cell, 40) || ''' has a fraction; this column counts '
            || 'whole projects'
        when not fractional and regexp_full_match(cell, '[0-9.]+[eE][-+]?[0-9]+') then
            'not a whole count: ''' || left(cell, 40) || ''' has an exponent; this column counts '
            || 'whole projects: write the digits alone'
        when count_value(cell, fractional) is null then
            'not a number: ''' || left(cell, 40) || ''''
        when not isfinite(count_value(cell, fractional)) or count_value(cell, fractional) > 1e12
            then 'not a count between 0 and 1e12: ''' || left(cell, 40) || ''' is larger'
    end;

-- Why a line holding an undecodable byte (read as U+FFFD) is rejected, and how to convert the
-- file: a table saved as Latin-1 or Windows-1252 (Excel's "CSV" on Windows) is the usual cause.
create or replace temp macro not_utf8(file_name) as
    'this line is not UTF-8 (an undecodable byte): save the file as UTF-8 (a spreadsheet''s '
    || '"CSV UTF-8"; from Latin-1 or Windows-1252: iconv -f WINDOWS-1252 -t UTF-8 '
    || file_name || ' > utf8-' || file_name || ') and import that';

-- Why a line is not counted: it repeats ``first_line`` cell for cell. The build's summary
-- (pipeline/build/summary.py) tells these rejects apart by this text's start.
create or replace temp macro duplicate_reason(first_line) as
    'exact duplicate of line ' || cast(first_line as varchar) || ' (counted once)';

-- The exact repeats of an otherwise usable row are one reject, on its first repeat: why, how
-- many and where (the first 20 repeats by line, then how many more and the last), so that a
-- file of mostly repeats gives a reject per distinct row, not per line. ``lines`` holds the
-- row's first lines in order (its first occurrence, then up to 20 repeats; min(line, 21)).
create or replace temp macro repeats_reason(lines, repeats, last_line) as
    duplicate_reason(lines[1]) || ': '
    || format('{:,}', repeats) || case when repeats = 1 then ' repeat, on line '
    else ' repeats, on lines ' end || array_to_string(list_slice(lines, 2, 21), ', ')
    || case when repeats > 20 then ' and ' || format('{:,}', repeats - 20)
    || ' more, the last on line ' || cast(last_line as varchar) else '' end;

-- The problem list of a usable row that repeats an earlier one: that reject on its first
-- repeat, nothing on the others (the reject counts them).
create or replace temp macro repeats_reject(line, lines, repeats, last_line) as
    case when line = lines[2] then [{
        'field': null, 'value': null, 'reason': repeats_reason(lines, repeats, last_line)
    }] else [] end;
