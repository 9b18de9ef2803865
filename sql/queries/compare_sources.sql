-- What does each source say about the same country and year, and where do they disagree? Buyer
-- share, seller share (per country) and South -> North share (per scheme, all countries) from
-- every source side by side, never summed: sources_that_year, lowest, highest and spread_pts
-- show the disagreement, and preferred marks the figure a combined view would use (README:
-- observed flows before published shares; exact figures before hedged ones ("about"); the
-- longer period; then the source id).
with

shares as (
    select
        year,
        country_code,
        role || ' share' as measure,
        source_id,
        platform,
        basis,
        share_pct,
        qualifier,
        datediff('day', period_start, period_end) as period_days,
        strftime(period_start, '%Y-%m-%d') || ' to ' || strftime(period_end, '%Y-%m-%d')
            as period
    from out__country_shares
    where basis <> 'published ranks'
),

directions as (
    select
        by_direction.year,
        null::varchar as country_code,
        'south_to_north share (' || by_direction.scheme || ')' as measure,
        by_direction.source_id,
        null::varchar as platform,
        by_direction.method || ' flows' as basis,
        by_direction.share_pct,
        null::varchar as qualifier,
        365 as period_days,
        cast(by_direction.year as varchar) as period
    from out__flows_by_direction as by_direction
    where by_direction.direction = 'south_to_north'
),

figures as (
    select * from shares
    union all
    select * from directions
),

compared as (
    select
        *,
        count(distinct source_id) over same as sources_that_year,
        min(share_pct) over same as lowest,
        max(share_pct) over same as highest,
        row_number() over (
            same order by
                basis like 'observed%' desc,
                qualifier is null desc,
                period_days desc,
                source_id
        ) = 1 as preferred
    from figures
    window same as (partition by year, country_code, measure)
)

select
    compared.year,
    coalesce(countries.name, '(all countries)') as country,
    compared.measure,
    compared.source_id,
    compared.basis,
    round(compared.share_pct, 2) as share_pct,
    compared.qualifier,
    compared.period,
    compared.sources_that_year,
    round(compared.highest - compared.lowest, 2) as spread_pts,
    compared.preferred
from compared
left join core__countries as countries on compared.country_code = countries.country_code
order by
    compared.year,
    compared.country_code nulls first,
    compared.measure,
    compared.preferred desc,
    compared.source_id
