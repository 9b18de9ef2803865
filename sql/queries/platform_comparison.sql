-- How do the platforms compare? Per platform, source and period: how many buyer and seller
-- countries the figures cover, the largest buyer and seller and their shares, and the share of
-- the work flowing South -> North where flows exist (default scheme).
with

shares as (
    select * from out__country_shares where basis <> 'published ranks'
),

sides as (
    select
        platform,
        source_id,
        year,
        period_start,
        period_end,
        basis,
        count(*) filter (where role = 'buyer') as buyer_countries,
        count(*) filter (where role = 'seller') as seller_countries,
        arg_max(country_code, share_pct) filter (where role = 'buyer') as top_buyer,
        round(max(share_pct) filter (where role = 'buyer'), 1) as top_buyer_pct,
        arg_max(country_code, share_pct) filter (where role = 'seller') as top_seller,
        round(max(share_pct) filter (where role = 'seller'), 1) as top_seller_pct
    from shares
    group by all
),

directions as (
    select
        source_id,
        year,
        round(sum(share_pct) filter (where direction = 'south_to_north'), 1)
            as south_to_north_pct,
        string_agg(distinct method, ', ') as flow_method
    from out__flows_by_direction
    where scheme = 'un_m49_developed'
    group by all
)

select
    sides.platform,
    sides.source_id,
    sides.year,
    case
        when sides.period_start = make_date(sides.year, 1, 1)
            and sides.period_end = make_date(sides.year, 12, 31)
            then cast(sides.year as varchar)
        else strftime(sides.period_start, '%Y-%m-%d') || ' to '
            || strftime(sides.period_end, '%Y-%m-%d')
    end as period,
    sides.basis,
    sides.buyer_countries,
    sides.seller_countries,
    sides.top_buyer,
    sides.top_buyer_pct,
    sides.top_seller,
    sides.top_seller_pct,
    directions.south_to_north_pct,
    directions.flow_method
from sides
left join directions
    on sides.source_id = directions.source_id
    and sides.year = directions.year
order by sides.platform, sides.year, sides.source_id
