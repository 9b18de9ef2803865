-- Each country's share of the buyers or of the sellers, per source, platform and period, as
-- every source gives it: observed flows (share of the projects bought or sold, domestic work
-- included), published shares (share_pct, as printed; unlisted_pct is what the listed countries
-- leave to others, remainders such as "rest of world" included) and published ranks (rank as
-- printed; is_top_list when the ranks run 1..k without a gap, i.e. the list is a complete
-- top k; a country "among the top k" in an order the source does not state (measure top_k) has
-- no rank, and its list is complete when it names k countries). Published figures for one occupation are left out: every row here is across all
-- occupations. Sources are never summed here: one row per source's figure.
-- Each set of rows ranked together (its source, platform, period, side and basis) is one set of
-- out__claims_check. Published figures are ranked per platform as printed. Observed flows are
-- ranked per source × year × side, all of the source's platforms together, and their platform
-- is the one label of that side on every country's row: its platforms sorted and joined by ', '
-- (the first five, then "and N more").
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

-- Only the columns used: the observed flows are read twice (once per side), and are held
-- between the two reads.
flows as (
    select source_id, platform, year, buyer_country_code, seller_country_code, tasks
    from out__flows
    where method = 'observed'
),

tallies as (
    select * from core__tallies where role in ('buyer', 'seller')
),

-- Each side's projects per platform first: this is the one step that reads every flow (a row
-- per country pair and occupation), and it leaves one row per platform and country.
platform_sides as (
    select
        source_id,
        platform,
        year,
        'buyer' as role,
        buyer_country_code as country_code,
        cast(sum(exact_decimal(tasks)) as double) as tasks
    from flows
    group by source_id, platform, year, buyer_country_code
    union all
    select
        source_id,
        platform,
        year,
        'seller' as role,
        seller_country_code as country_code,
        cast(sum(exact_decimal(tasks)) as double) as tasks
    from flows
    group by source_id, platform, year, seller_country_code
),

-- The label of a ranked set: the platforms of the side, not only those of the country on the
-- row (with per-country labels one set would split into as many as its countries have
-- combinations of platforms, and out__claims_check would judge each as a set of its own).
-- Platform names come from the user's files: the first five are named and the others counted
-- ("… and 45 more"), so that the label stays short in every row and rule that repeats it.
numbered_platforms as (
    select
        source_id,
        year,
        role,
        platform,
        row_number() over (partition by source_id, year, role order by platform) as position,
        count(*) over (partition by source_id, year, role) as platforms
    from (select distinct source_id, year, role, platform from platform_sides) as side_platform
),

side_platforms as (
    select
        source_id,
        year,
        role,
        string_agg(platform, ', ' order by platform)
        || case
            when max(platforms) > 5 then ' and ' || cast(max(platforms) - 5 as varchar) || ' more'
            else ''
        end as platform
    from numbered_platforms
    where position <= 5
    group by source_id, year, role
),

observed as (
    select source_id, year, role, country_code, cast(sum(exact_decimal(tasks)) as double) as tasks
    from platform_sides
    group by source_id, year, role, country_code
),

observed_shares as (
    select
        observed.source_id,
        side_platforms.platform,
        make_date(observed.year, 1, 1) as period_start,
        make_date(observed.year, 12, 31) as period_end,
        observed.role,
        observed.country_code,
        'observed flows' as basis,
        100 * observed.tasks / cast(sum(exact_decimal(observed.tasks)) over side as double)
            as share_pct,
        rank() over (side order by observed.tasks desc)::integer as rank,
        count(*) over side as listed,
        0.0 as unlisted_pct,
        false as is_top_list,
        null::varchar as qualifier
    from observed
    inner join side_platforms
        on observed.source_id = side_platforms.source_id
        and observed.year = side_platforms.year
        and observed.role = side_platforms.role
    window side as (partition by observed.source_id, observed.year, observed.role)
),

published as (
    select
        source_id,
        platform,
        period_start,
        period_end,
        role,
        coalesce(buyer_country_code, seller_country_code) as country_code,
        measure,
        amount,
        qualifier
    from tallies
    where measure in ('share_pct', 'rank', 'top_k') and occupation = 'unknown'
),

published_shares as (
    select
        source_id,
        platform,
        period_start,
        period_end,
        role,
        country_code,
        'published shares' as basis,
        amount as share_pct,
        rank() over (side order by amount desc)::integer as rank,
        count(*) over side as listed,
        greatest(0, 100 - cast(sum(exact_decimal(amount)) over side as double))
            as unlisted_pct,
        false as is_top_list,
        qualifier
    from published
    where measure = 'share_pct' and country_code is not null
    window side as (partition by source_id, platform, period_start, period_end, role)
),

published_ranks as (
    select
        source_id,
        platform,
        period_start,
        period_end,
        role,
        country_code,
        'published ranks' as basis,
        null::double as share_pct,
        case when measure = 'rank' then amount::integer end as rank,
        count(*) over side as listed,
        null::double as unlisted_pct,
        case
            when measure = 'rank' then min(amount) over side = 1
            else min(amount) over side = max(amount) over side
        end and max(amount) over side = count(*) over side as is_top_list,
        qualifier
    from published
    where measure in ('rank', 'top_k') and country_code is not null
    window side as (partition by source_id, platform, period_start, period_end, role)
),

final as (
    select * from observed_shares
    union all
    select * from published_shares
    union all
    select * from published_ranks
)

select
    source_id,
    platform,
    year(period_start) as year,
    period_start,
    period_end,
    role,
    country_code,
    basis,
    share_pct,
    rank,
    listed,
    unlisted_pct,
    is_top_list,
    qualifier
from final
