-- Which published buyer shares were paired with which seller shares to estimate flows.
-- A source that publishes only marginals (the share of projects by employer country and the
-- share of workers by country) gives no pairs; pairing the two sides is an assumption, so it is
-- recorded here, one row per estimate, and repeated on every estimated flow.
-- Only complete marginals are paired: the shares of one side and period, remainders such as
-- "rest of world" included, must add up to 100 within rounding.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

tallies as (
    select * from core__tallies
),

shares as (
    select *
    from tallies
    where measure = 'share_pct' and role in ('buyer', 'seller')
),

marginals as (
    select
        source_id,
        role,
        period_start,
        period_end,
        cast(sum(exact_decimal(amount)) as double) as total_pct,
        count(*) filter (
            where coalesce(buyer_country_code, seller_country_code) is not null
        ) as countries
    from shares
    group by source_id, role, period_start, period_end
),

complete as (
    select *
    from marginals
    where abs(total_pct - 100) <= 0.5 and countries > 0
),

candidates as (
    select
        buyers.source_id,
        buyers.period_start as buyer_period_start,
        buyers.period_end as buyer_period_end,
        sellers.period_start as seller_period_start,
        sellers.period_end as seller_period_end,
        -- the seller period nearest in time to the buyer period is the one paired with it
        row_number() over (
            partition by buyers.source_id, buyers.period_start, buyers.period_end
            order by
                abs(datediff('day', buyers.period_start, sellers.period_start)),
                sellers.period_start
        ) as nearness
    from complete as buyers
    inner join complete as sellers
        on buyers.source_id = sellers.source_id
        and buyers.role = 'buyer'
        and sellers.role = 'seller'
),

final as (
    select
        source_id,
        year(buyer_period_start) as year,
        buyer_period_start,
        buyer_period_end,
        seller_period_start,
        seller_period_end,
        'employers ' || strftime(buyer_period_start, '%Y-%m-%d') || ' to '
        || strftime(buyer_period_end, '%Y-%m-%d') || ' × workers '
        || strftime(seller_period_start, '%Y-%m-%d') || ' to '
        || strftime(seller_period_end, '%Y-%m-%d') as period_label,
        buyer_period_start = seller_period_start
        and buyer_period_end = seller_period_end as is_same_period
    from candidates
    where nearness = 1
)

select * from final
