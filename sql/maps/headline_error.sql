-- For the index page: next to every estimated headline (source × year), the error of the same
-- kind of estimate measured on the observed years (out__estimate_check) under $scheme — with
-- no prior when the headline used none, with the nearest other year as prior when it used a
-- prior. Null figures (years_measured = 0) mean no observed year was loaded to measure it.
with

estimates as (
    select source_id, year, any_value(prior) as prior
    from out__flows
    where method = 'estimated'
    group by source_id, year
),

checks as (
    select
        prior = 'none' as without_prior,
        source_id || ' ' || year as measured_on,
        pair_error_pct,
        abs(estimated_share_pct - observed_share_pct) as south_to_north_error_pts
    from out__estimate_check
    where scheme = $scheme and direction = 'south_to_north'
),

final as (
    select
        estimates.source_id,
        estimates.year,
        estimates.prior,
        count(checks.measured_on) as years_measured,
        string_agg(checks.measured_on, ', ' order by checks.measured_on) as measured_on,
        avg(checks.pair_error_pct) as mean_pair_error_pct,
        max(checks.pair_error_pct) as max_pair_error_pct,
        avg(checks.south_to_north_error_pts) as mean_south_to_north_error_pts,
        max(checks.south_to_north_error_pts) as max_south_to_north_error_pts
    from estimates
    left join checks on checks.without_prior = (estimates.prior = 'none')
    group by estimates.source_id, estimates.year, estimates.prior
)

select * from final
order by source_id, year desc
