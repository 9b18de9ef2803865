-- How wrong an estimate from published shares is, measured where the truth is known: every
-- observed matrix (source × year) cut to as many countries per side as an estimate names (its
-- largest buyers and sellers, the others lumped) and estimated again from the cut's marginals
-- with the same model (int__estimate_cut_cells, pipeline/build/estimate.py). Per grouping
-- scheme: the observed South → North share of the whole matrix, the share estimated from the
-- cut (null with no prior, when the unnamed countries have no model), the bounds any matrix
-- with the cut's marginals obeys (macros south_to_north_low_pct / _high_pct), and the share of
-- the work the estimate puts on the wrong cell of the cut's grid (pair_error_pct, ½ Σ
-- |estimated − observed| over the named × named cells and the remainders). Empty when the
-- build has no observed matrix or no estimate.
-- The cells are summed as exact decimals (macro exact_decimal), so that a rebuild gives the
-- same figures to the last digit in whatever order threads add them (README, "Identical
-- rebuilds"); each sum is a double again before it is divided.
with

cells as (
    select * from int__estimate_cut_cells
),

country_groups as (
    select * from core__country_groups
),

schemes as (
    select distinct scheme from country_groups
),

classified as (
    select
        schemes.scheme,
        cells.buyers_named,
        cells.sellers_named,
        cells.source_id,
        cells.year,
        cells.prior,
        cells.buyer_named,
        cells.seller_named,
        buyer_groups.is_north as buyer_is_north,
        seller_groups.is_north as seller_is_north,
        exact_decimal(cells.observed) as observed,
        exact_decimal(cells.estimated) as estimated,
        case
            when cells.buyer_country_code is null or cells.seller_country_code is null
                then 'not_named'
            else work_direction(seller_groups.is_north, buyer_groups.is_north)
        end as direction
    from cells
    cross join schemes
    left join country_groups as buyer_groups
        on cells.buyer_country_code = buyer_groups.country_code
        and buyer_groups.scheme = schemes.scheme
    left join country_groups as seller_groups
        on cells.seller_country_code = seller_groups.country_code
        and seller_groups.scheme = schemes.scheme
),

per_check as (
    select
        scheme,
        buyers_named,
        sellers_named,
        source_id,
        year,
        prior,
        cast(sum(observed) as double) as observed_total,
        cast(sum(estimated) as double) as estimated_total,
        cast(coalesce(sum(observed) filter (where direction = 'south_to_north'), 0) as double)
            as observed_south_to_north,
        cast(coalesce(sum(estimated) filter (where direction = 'south_to_north'), 0) as double)
            as estimated_south_to_north,
        cast(coalesce(sum(estimated) filter (where direction = 'not_named'), 0) as double)
            as estimated_not_named,
        cast(coalesce(sum(observed) filter (where buyer_named and seller_named), 0) as double)
            as observed_named,
        -- the cut's marginals, by group: what a source naming these countries would publish
        cast(coalesce(sum(observed) filter (where buyer_named and buyer_is_north), 0) as double)
            as north_buyers,
        cast(
            coalesce(sum(observed) filter (where buyer_named and not buyer_is_north), 0) as double
        ) as south_buyers,
        cast(
            coalesce(sum(observed) filter (where seller_named and not seller_is_north), 0)
            as double
        ) as south_sellers,
        cast(
            coalesce(sum(observed) filter (where seller_named and seller_is_north), 0) as double
        ) as north_sellers
    from classified
    group by scheme, buyers_named, sellers_named, source_id, year, prior
),

-- the cut's grid: named countries one by one, the others as one row and one column
grid as (
    select
        buyers_named,
        sellers_named,
        source_id,
        year,
        prior,
        case when buyer_named then buyer_country_code end as buyer_cell,
        case when seller_named then seller_country_code end as seller_cell,
        sum(exact_decimal(observed)) as observed,
        sum(exact_decimal(estimated)) as estimated
    from cells
    group by all
),

grid_error as (
    select
        buyers_named,
        sellers_named,
        source_id,
        year,
        prior,
        50 * cast(sum(abs(estimated - observed)) as double) / cast(sum(observed) as double)
            as pair_error_pct
    from grid
    group by buyers_named, sellers_named, source_id, year, prior
),

final as (
    select
        per_check.source_id,
        per_check.year,
        per_check.buyers_named,
        per_check.sellers_named,
        per_check.scheme,
        per_check.prior,
        100 * per_check.observed_named / per_check.observed_total as named_pct,
        south_to_north_low_pct(
            100 * per_check.north_buyers / per_check.observed_total,
            100 * per_check.south_sellers / per_check.observed_total
        ) as share_low_pct,
        south_to_north_high_pct(
            100 * per_check.south_buyers / per_check.observed_total,
            100 * per_check.north_sellers / per_check.observed_total
        ) as share_high_pct,
        100 * per_check.observed_south_to_north / per_check.observed_total as observed_share_pct,
        case
            when per_check.estimated_not_named = 0
                then 100 * per_check.estimated_south_to_north / per_check.estimated_total
        end as estimated_share_pct,
        grid_error.pair_error_pct
    from per_check
    inner join grid_error
        on per_check.buyers_named = grid_error.buyers_named
        and per_check.sellers_named = grid_error.sellers_named
        and per_check.source_id = grid_error.source_id
        and per_check.year = grid_error.year
        and per_check.prior = grid_error.prior
)

select * from final
