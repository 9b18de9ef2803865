-- What each estimate from published shares can be cited as, per grouping scheme: one row per
-- estimated source × year × pairing of periods × occupation × scheme.
-- share_low_pct, share_high_pct: the lowest and highest South → North share of any buyer ×
-- seller matrix with the published marginals (macros south_to_north_low_pct / _high_pct: the
-- countries a source does not name may be North or South, and the work may go any way that
-- keeps the marginals).
-- estimated_share_pct: the share of the fitted matrix over its whole total, the countries not
-- named spread like the prior's (int__estimated_spread); null when the estimate has no prior
-- and the source leaves countries unnamed, since then nothing models where their work goes.
-- typical_error_pp, typical_pair_error_pp: the error of the same procedure on the same kind of
-- input: every observed matrix cut to as many countries per side as the source names and
-- estimated with the same model (out__estimate_cut_check), the mean over those matrices.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

flows as (
    select * from out__flows where method = 'estimated'
),

spread as (
    select * from int__estimated_spread
),

tallies as (
    select * from core__tallies
),

marginal_pairs as (
    select * from out__marginal_pairs
),

country_groups as (
    select * from core__country_groups
),

sources as (
    select * from core__sources
),

cut_check as (
    select * from out__estimate_cut_check
),

schemes as (
    select distinct scheme from country_groups
),

estimates as (
    select
        source_id,
        year,
        period_label,
        occupation,
        max(prior) as prior,
        cast(sum(exact_decimal(tasks)) as double) as total,
        cast(
            coalesce(
                sum(exact_decimal(tasks)) filter (
                    where buyer_country_code is not null and seller_country_code is not null
                ),
                0
            ) as double
        ) as named,
        cast(
            coalesce(
                sum(exact_decimal(tasks)) filter (
                    where buyer_country_code is null or seller_country_code is null
                ),
                0
            ) as double
        ) as unnamed
    from flows
    group by source_id, year, period_label, occupation
),

-- the published shares each estimate was fitted to (the pairing rule of out__marginal_pairs)
published as (
    select
        marginal_pairs.source_id,
        marginal_pairs.year,
        marginal_pairs.period_label,
        tallies.occupation,
        tallies.role,
        case tallies.role
            when 'buyer' then tallies.buyer_country_code
            else tallies.seller_country_code
        end as country_code,
        exact_decimal(tallies.amount) as amount
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and (
            (
                tallies.role = 'buyer'
                and tallies.period_start = marginal_pairs.buyer_period_start
                and tallies.period_end = marginal_pairs.buyer_period_end
            )
            or (
                tallies.role = 'seller'
                and tallies.period_start = marginal_pairs.seller_period_start
                and tallies.period_end = marginal_pairs.seller_period_end
            )
        )
    where tallies.measure = 'share_pct'
),

published_groups as (
    select
        schemes.scheme,
        published.*,
        country_groups.is_north
    from published
    cross join schemes
    left join country_groups
        on published.country_code = country_groups.country_code
        and country_groups.scheme = schemes.scheme
),

sides as (
    select
        scheme,
        source_id,
        year,
        period_label,
        occupation,
        count(distinct country_code) filter (where role = 'buyer') as buyers_named,
        count(distinct country_code) filter (where role = 'seller') as sellers_named,
        cast(sum(amount) filter (where role = 'buyer') as double) as buyer_total,
        cast(sum(amount) filter (where role = 'seller') as double) as seller_total,
        cast(coalesce(sum(amount) filter (where role = 'buyer' and is_north), 0) as double)
            as north_buyers,
        cast(coalesce(sum(amount) filter (where role = 'buyer' and not is_north), 0) as double)
            as south_buyers,
        cast(coalesce(sum(amount) filter (where role = 'seller' and not is_north), 0) as double)
            as south_sellers,
        cast(coalesce(sum(amount) filter (where role = 'seller' and is_north), 0) as double)
            as north_sellers
    from published_groups
    group by scheme, source_id, year, period_label, occupation
),

spread_estimates as (
    select distinct source_id, year, period_label, occupation from spread
),

-- the estimate's cells by country: named cells, the unnamed ones spread like the prior's,
-- and, where there is no prior, the unnamed ones as they are (null codes)
cells as (
    select
        source_id, year, period_label, occupation, buyer_country_code, seller_country_code, tasks
    from flows
    where buyer_country_code is not null and seller_country_code is not null
    union all
    select
        source_id, year, period_label, occupation, buyer_country_code, seller_country_code, tasks
    from spread
    union all
    select
        flows.source_id,
        flows.year,
        flows.period_label,
        flows.occupation,
        flows.buyer_country_code,
        flows.seller_country_code,
        flows.tasks
    from flows
    left join spread_estimates
        on flows.source_id = spread_estimates.source_id
        and flows.year = spread_estimates.year
        and flows.period_label = spread_estimates.period_label
        and flows.occupation = spread_estimates.occupation
    where
        (flows.buyer_country_code is null or flows.seller_country_code is null)
        and spread_estimates.source_id is null
),

classified as (
    select
        schemes.scheme,
        cells.source_id,
        cells.year,
        cells.period_label,
        cells.occupation,
        exact_decimal(cells.tasks) as tasks,
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

directions as (
    select
        scheme,
        source_id,
        year,
        period_label,
        occupation,
        cast(sum(tasks) as double) as total,
        cast(coalesce(sum(tasks) filter (where direction = 'south_to_north'), 0) as double)
            as south_to_north,
        cast(coalesce(sum(tasks) filter (where direction = 'not_named'), 0) as double)
            as not_named
    from classified
    group by scheme, source_id, year, period_label, occupation
),

-- the same procedure (no prior, or a prior) on every observed matrix cut to the same grid
errors as (
    select
        sides.scheme,
        sides.source_id,
        sides.year,
        sides.period_label,
        sides.occupation,
        count(cut_check.year) as matrices_measured,
        string_agg(cut_check.source_id || ' ' || cut_check.year, ', '
            order by cut_check.source_id, cut_check.year) as measured_on,
        avg(abs(cut_check.estimated_share_pct - cut_check.observed_share_pct))
            as typical_error_pp,
        max(abs(cut_check.estimated_share_pct - cut_check.observed_share_pct)) as max_error_pp,
        avg(cut_check.pair_error_pct) as typical_pair_error_pp
    from sides
    inner join estimates
        on sides.source_id = estimates.source_id
        and sides.year = estimates.year
        and sides.period_label = estimates.period_label
        and sides.occupation = estimates.occupation
    left join cut_check
        on sides.scheme = cut_check.scheme
        and sides.buyers_named = cut_check.buyers_named
        and sides.sellers_named = cut_check.sellers_named
        and (estimates.prior = 'none') = (cut_check.prior = 'none')
    group by sides.scheme, sides.source_id, sides.year, sides.period_label, sides.occupation
),

final as (
    select
        estimates.source_id,
        estimates.year,
        estimates.period_label,
        estimates.occupation,
        sides.scheme,
        coalesce(sources.buyer_unit, 'buyer shares (unit not stated)') || ' × '
        || coalesce(sources.seller_unit, 'seller shares (unit not stated)') as unit,
        sides.buyers_named,
        sides.sellers_named,
        100 * estimates.named / estimates.total as named_pct,
        south_to_north_low_pct(
            100 * sides.north_buyers / sides.buyer_total,
            100 * sides.south_sellers / sides.seller_total
        ) as share_low_pct,
        south_to_north_high_pct(
            100 * sides.south_buyers / sides.buyer_total,
            100 * sides.north_sellers / sides.seller_total
        ) as share_high_pct,
        case
            when directions.not_named = 0
                then 100 * directions.south_to_north / directions.total
        end as estimated_share_pct,
        case
            when estimates.prior = 'none' then 'independence'
            else 'IPF with prior ' || estimates.prior
        end as model,
        estimates.prior,
        case
            when estimates.unnamed = 0 then 'none: the source names every country'
            when estimates.prior = 'none'
                then 'not modelled: no prior says where their work goes, so only the bounds hold'
            when directions.not_named > 0
                then 'partly not modelled: ' || estimates.prior
                || ' has no country the source leaves unnamed on one side'
            else 'spread like the countries of ' || estimates.prior
                || ' that the source does not name'
        end as unnamed_model,
        -- a point's error, where the estimate has a point to be wrong about
        case when directions.not_named = 0 then errors.typical_error_pp end as typical_error_pp,
        case when directions.not_named = 0 then errors.max_error_pp end as max_error_pp,
        errors.typical_pair_error_pp,
        errors.matrices_measured,
        errors.measured_on
    from estimates
    inner join sides
        on estimates.source_id = sides.source_id
        and estimates.year = sides.year
        and estimates.period_label = sides.period_label
        and estimates.occupation = sides.occupation
    inner join directions
        on sides.scheme = directions.scheme
        and sides.source_id = directions.source_id
        and sides.year = directions.year
        and sides.period_label = directions.period_label
        and sides.occupation = directions.occupation
    inner join errors
        on sides.scheme = errors.scheme
        and sides.source_id = errors.source_id
        and sides.year = errors.year
        and sides.period_label = errors.period_label
        and sides.occupation = errors.occupation
    left join sources on estimates.source_id = sources.source_id
)

select * from final
