-- Every tally, from the staged rows of each source: OLI daily rows summed per month and turned
-- into yearly shares, remote-work region rows summed per country pair, the user's rows, the
-- user's published shares with each side's rest to 100, and the curated figures as they are. Portable SQL (no DuckDB-only syntax): it runs over the staged
-- Parquet on another engine too. Amounts are summed as exact decimals (the expression of the
-- macro exact_decimal, sql/macros.sql, written out, as this file uses no macro), so that
-- a rebuild gives the same figures to the last digit in whatever order threads add the rows
-- (README, "Identical rebuilds").
with

oli_rows as (
    select
        source_id,
        file_name,
        kind,
        platform,
        day,
        year,
        month(day) as month,
        country_code,
        occupation,
        counted,
        amount,
        cast(floor(amount) as decimal(20, 0))
        + cast(amount - floor(amount) as decimal(18, 17)) as exact_amount,
        case when kind = 'bcountrydata' then 'buyer' else 'seller' end as role,
        country_code is not null and occupation is not null as is_mapped
    -- a day of a series that several files give is taken from one of them
    -- (int__oli_rows_ranked; core__rejects lists the other rows)
    from int__oli_rows_ranked
    where file_order = newest_order
),

oli_month_days as (
    -- the worker file is a daily sample: a month's level is its mean over the collection days
    select source_id, file_name, year, month, count(distinct day) as days
    from oli_rows
    group by source_id, file_name, year, month
),

oli_monthly as (
    select
        oli_rows.source_id,
        oli_rows.platform,
        make_date(oli_rows.year, oli_rows.month, 1) as period_start,
        last_day(make_date(oli_rows.year, oli_rows.month, 1)) as period_end,
        oli_rows.role,
        case when oli_rows.role = 'buyer' then oli_rows.country_code end as buyer_country_code,
        case when oli_rows.role = 'seller' then oli_rows.country_code end as seller_country_code,
        cast(null as string) as region_label,
        oli_rows.occupation,
        case when oli_rows.role = 'buyer' then 'projects' else 'workers' end as measure,
        case
            when oli_rows.role = 'buyer' then cast(sum(oli_rows.exact_amount) as double)
            else cast(sum(oli_rows.exact_amount) as double) / max(oli_month_days.days)
        end as amount,
        cast(null as string) as qualifier,
        cast(null as string) as citation,
        oli_rows.file_name || ':' || cast(oli_rows.year as string) || '-'
        || lpad(cast(oli_rows.month as string), 2, '0') as location
    from oli_rows
    inner join oli_month_days
        on oli_rows.source_id = oli_month_days.source_id
        and oli_rows.file_name = oli_month_days.file_name
        and oli_rows.year = oli_month_days.year
        and oli_rows.month = oli_month_days.month
    where oli_rows.is_mapped
    group by
        oli_rows.source_id, oli_rows.file_name, oli_rows.platform, oli_rows.role,
        oli_rows.year, oli_rows.month, oli_rows.country_code, oli_rows.occupation
),

oli_year_days as (
    select source_id, file_name, role, year, min(day) as first_day, max(day) as last_day
    from oli_rows
    group by source_id, file_name, role, year
),

oli_year_parts as (
    -- shares are per calendar year: the employer and worker shares of one year are paired
    -- into estimated flows; rows whose country or occupation did not map are a remainder,
    -- so each year adds up to 100
    select
        source_id,
        file_name,
        platform,
        role,
        year,
        case when is_mapped then country_code end as country_code,
        case when not is_mapped then 'not mapped to a country' end as region_label,
        sum(exact_amount) as amount
    from oli_rows
    where counted
    group by
        source_id, file_name, platform, role, year,
        case when is_mapped then country_code end,
        case when not is_mapped then 'not mapped to a country' end
),

oli_year_totals as (
    select source_id, file_name, role, year, sum(amount) as total
    from oli_year_parts
    group by source_id, file_name, role, year
),

oli_shares as (
    select
        parts.source_id,
        parts.platform,
        days.first_day as period_start,
        days.last_day as period_end,
        parts.role,
        case when parts.role = 'buyer' then parts.country_code end as buyer_country_code,
        case when parts.role = 'seller' then parts.country_code end as seller_country_code,
        parts.region_label,
        'unknown' as occupation,
        'share_pct' as measure,
        100 * cast(parts.amount as double) / cast(totals.total as double) as amount,
        cast(null as string) as qualifier,
        cast(null as string) as citation,
        parts.file_name || ':' || cast(parts.year as string) as location
    from oli_year_parts as parts
    inner join oli_year_totals as totals
        on parts.source_id = totals.source_id
        and parts.file_name = totals.file_name
        and parts.role = totals.role
        and parts.year = totals.year
    inner join oli_year_days as days
        on parts.source_id = days.source_id
        and parts.file_name = days.file_name
        and parts.role = days.role
        and parts.year = days.year
    where totals.total > 0 and (parts.region_label is null or parts.amount > 0)
),

remotework_pairs as (
    -- each row counts projects between two first-level regions: summed per country pair
    select
        source_id,
        platform,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        'pair' as role,
        buyer_country_code,
        seller_country_code,
        cast(null as string) as region_label,
        'unknown' as occupation,
        'projects' as measure,
        cast(
            sum(
                cast(floor(amount) as decimal(20, 0))
                + cast(amount - floor(amount) as decimal(18, 17))
            ) as double
        ) as amount,
        cast(null as string) as qualifier,
        cast(null as string) as citation,
        file_name || ':' || cast(min(line) as string)
        || case
            when count(*) > 1 then ' (+' || cast(count(*) - 1 as string) || ' rows)'
            else ''
        end as location
    from stg__remotework_rows
    group by source_id, file_name, platform, year, buyer_country_code, seller_country_code
),

-- a flow key given by several files (a table and its corrected copy under another name) is
-- taken from the most recently imported file only (int__user_rows_ranked; core__rejects lists
-- the other rows)
user_pairs as (
    select
        source_id,
        platform,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        'pair' as role,
        buyer_country_code,
        seller_country_code,
        cast(null as string) as region_label,
        occupation,
        'projects' as measure,
        amount,
        cast(null as string) as qualifier,
        cast(null as string) as citation,
        file_name || ':' || cast(line as string) as location
    from int__user_rows_ranked
    where file_order = newest_order
),

-- the user's published shares (one source id per file): each row as it is, for its calendar
-- year, as the curated shares are
user_shares as (
    select
        source_id,
        platform,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        role,
        case when role = 'buyer' then country_code end as buyer_country_code,
        case when role = 'seller' then country_code end as seller_country_code,
        cast(null as string) as region_label,
        occupation,
        'share_pct' as measure,
        share_pct as amount,
        cast(null as string) as qualifier,
        citation,
        file_name || ':' || cast(line as string) as location
    from stg__shares_rows
),

user_share_sides as (
    -- what the named countries of each side add up to, as exact decimals (the parse loads one
    -- set per side and year, at most 100.5)
    select
        source_id,
        file_name,
        platform,
        year,
        role,
        occupation,
        citation,
        sum(
            cast(floor(share_pct) as decimal(20, 0))
            + cast(share_pct - floor(share_pct) as decimal(18, 17))
        ) as named_pct,
        min(line) as first_line,
        max(line) as last_line
    from stg__shares_rows
    group by source_id, file_name, platform, year, role, occupation, citation
),

user_share_rests as (
    -- the countries a publication does not name keep their part of the whole: 100 minus the
    -- named shares, one "rest of world" row per side (none when the named shares reach 100),
    -- rounded to 1e-9 so that 100 - 69.9 is 30.1 and not 30.099999999999994
    select
        source_id,
        platform,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        role,
        cast(null as string) as buyer_country_code,
        cast(null as string) as seller_country_code,
        'rest of world' as region_label,
        occupation,
        'share_pct' as measure,
        round(cast(100 - named_pct as double), 9) as amount,
        cast(null as string) as qualifier,
        citation,
        file_name || ':' || cast(first_line as string) || '-' || cast(last_line as string)
        || ' (100 minus the shares of these lines)' as location
    from user_share_sides
    where round(cast(100 - named_pct as double), 9) > 0
),

curated_tallies as (
    select
        source_id,
        platform,
        period_start,
        period_end,
        role,
        buyer_country_code,
        seller_country_code,
        region_label,
        occupation,
        measure,
        amount,
        qualifier,
        citation,
        location
    from stg__curated_tallies
),

final as (
    select * from oli_monthly
    union all
    select * from oli_shares
    union all
    select * from remotework_pairs
    union all
    select * from user_pairs
    union all
    select * from user_shares
    union all
    select * from user_share_rests
    union all
    select * from curated_tallies
)

select * from final
