-- How concentrated are buyers and sellers? Per source, period and side: the share of the top 5
-- countries and the Herfindahl–Hirschman index (sum of squared percentage shares, 0 to 10,000;
-- above 2,500 is "highly concentrated" in competition practice). For published shares only the
-- listed countries are known: their HHI is a lower bound and share_covered_pct says how much
-- of the total they cover.
with

shares as (
    select * from out__country_shares where basis <> 'published ranks'
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_id, platform, period_start, period_end, role, basis
            order by share_pct desc, country_code
        ) as position
    from shares
)

select
    source_id,
    platform,
    year,
    case
        when period_start = make_date(year, 1, 1) and period_end = make_date(year, 12, 31)
            then cast(year as varchar)
        else strftime(period_start, '%Y-%m-%d') || ' to ' || strftime(period_end, '%Y-%m-%d')
    end as period,
    role,
    basis,
    count(*) as countries,
    round(sum(share_pct) filter (where position <= 5), 1) as top5_share_pct,
    round(sum(share_pct * share_pct), 0) as hhi,
    case when basis = 'published shares' then 'lower bound' else 'exact' end as hhi_is,
    round(sum(share_pct), 1) as share_covered_pct
from ranked
group by source_id, platform, year, period_start, period_end, role, basis
order by role, source_id, year, platform
