-- How wrong the estimator is where the truth is known. For every observed buyer × seller matrix
-- (source × year, occupations summed) pipeline/build/estimate.py hid the pairs, kept the two
-- marginals and estimated the matrix again, with no prior and with the same source's nearest
-- other observed year as prior (int__estimate_check_cells). Per grouping scheme and direction:
-- the observed and the estimated share of the work; per estimate: pair_error_pct, the share of
-- the work put on the wrong buyer × seller pair, ½ Σ |estimated − observed| over all pairs
-- (domestic ones included) as a percentage of the total, and the domestic share (buyer = seller)
-- observed and estimated. Empty when the build has no observed matrix.
-- The cells are summed as exact decimals (macro exact_decimal), so that a rebuild gives the
-- same figures to the last digit in whatever order threads add them (README, "Identical
-- rebuilds"); each sum is a double again before it is divided.
with

cells as (
    select
        source_id,
        year,
        prior,
        buyer_country_code,
        seller_country_code,
        exact_decimal(observed) as observed,
        exact_decimal(estimated) as estimated
    from int__estimate_check_cells
),

country_groups as (
    select * from core__country_groups
),

per_estimate as (
    select
        source_id,
        year,
        prior,
        50 * cast(sum(abs(estimated - observed)) as double) / cast(sum(observed) as double)
            as pair_error_pct,
        100 * cast(sum(observed) filter (where buyer_country_code = seller_country_code) as double)
        / cast(sum(observed) as double) as domestic_observed_pct,
        100
        * cast(sum(estimated) filter (where buyer_country_code = seller_country_code) as double)
        / cast(sum(estimated) as double) as domestic_estimated_pct
    from cells
    group by source_id, year, prior
),

classified as (
    select
        buyer_groups.scheme,
        cells.source_id,
        cells.year,
        cells.prior,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction,
        cells.observed,
        cells.estimated
    from cells
    inner join country_groups as buyer_groups
        on cells.buyer_country_code = buyer_groups.country_code
    inner join country_groups as seller_groups
        on cells.seller_country_code = seller_groups.country_code
        and buyer_groups.scheme = seller_groups.scheme
),

by_direction as (
    select
        scheme,
        source_id,
        year,
        prior,
        direction,
        sum(observed) as observed,
        sum(estimated) as estimated
    from classified
    group by scheme, source_id, year, prior, direction
),

shares as (
    select
        *,
        100 * cast(observed as double) / cast(sum(observed) over estimate as double)
            as observed_share_pct,
        100 * cast(estimated as double) / cast(sum(estimated) over estimate as double)
            as estimated_share_pct
    from by_direction
    window estimate as (partition by scheme, source_id, year, prior)
),

final as (
    select
        shares.source_id,
        shares.year,
        shares.scheme,
        shares.direction,
        shares.observed_share_pct,
        shares.estimated_share_pct,
        shares.prior,
        per_estimate.pair_error_pct,
        coalesce(per_estimate.domestic_observed_pct, 0) as domestic_observed_pct,
        coalesce(per_estimate.domestic_estimated_pct, 0) as domestic_estimated_pct
    from shares
    inner join per_estimate
        on shares.source_id = per_estimate.source_id
        and shares.year = per_estimate.year
        and shares.prior = per_estimate.prior
)

select * from final
