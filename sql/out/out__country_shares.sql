-- Each country's share of the buyers or of the sellers, per source, platform and period, as
-- every source gives it: observed flows (share of the projects bought or sold, domestic work
-- included), published shares (share_pct, as printed; unlisted_pct is what the listed countries
-- leave to others, remainders such as "rest of world" included) and published ranks (rank as
-- printed; is_top_list when the ranks run 1..k without a gap, i.e. the list is a complete
-- top k). Published figures for one occupation are left out: every row here is across all
-- occupations. Sources are never summed here: one row per source's figure.
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
        sum(tasks) as tasks
    from flows
    group by source_id, platform, year, buyer_country_code
    union all
    select
        source_id,
        platform,
        year,
        'seller' as role,
        seller_country_code as country_code,
        sum(tasks) as tasks
    from flows
    group by source_id, platform, year, seller_country_code
),

observed as (
    select
        source_id,
        string_agg(platform, ', ' order by platform) as platform,
        make_date(year, 1, 1) as period_start,
        make_date(year, 12, 31) as period_end,
        role,
        country_code,
        sum(tasks) as tasks
    from platform_sides
    group by source_id, year, role, country_code
),

observed_shares as (
    select
        source_id,
        platform,
        period_start,
        period_end,
        role,
        country_code,
        'observed flows' as basis,
        100 * tasks / sum(tasks) over side as share_pct,
        rank() over (side order by tasks desc)::integer as rank,
        count(*) over side as listed,
        0.0 as unlisted_pct,
        false as is_top_list,
        null::varchar as qualifier
    from observed
    window side as (partition by source_id, period_start, role)
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
    where measure in ('share_pct', 'rank') and occupation = 'unknown'
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
        greatest(0, 100 - sum(amount) over side) as unlisted_pct,
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
        amount::integer as rank,
        count(*) over side as listed,
        null::double as unlisted_pct,
        min(amount) over side = 1 and max(amount) over side = count(*) over side as is_top_list,
        qualifier
    from published
    where measure = 'rank' and country_code is not null
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
