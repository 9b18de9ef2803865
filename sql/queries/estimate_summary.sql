-- What can an estimate from published shares be cited as? Per estimated source, year, scheme
-- and occupation: the bounds the published shares alone set on the South -> North share, the
-- point estimate and the model behind it (none where the countries the source does not name
-- have no model), and the error of the same procedure measured on observed matrices cut to
-- the same number of named countries (out__estimate_summary).
select
    scheme,
    source_id,
    year,
    occupation,
    buyers_named || ' × ' || sellers_named as countries_named,
    round(named_pct, 1) as named_pct,
    round(share_low_pct, 1) as share_low_pct,
    round(share_high_pct, 1) as share_high_pct,
    round(estimated_share_pct, 1) as estimated_share_pct,
    model,
    unnamed_model,
    round(typical_error_pp, 1) as typical_error_pp,
    round(max_error_pp, 1) as max_error_pp,
    round(typical_pair_error_pp, 1) as typical_pair_error_pp,
    matrices_measured,
    measured_on,
    unit,
    period_label
from out__estimate_summary
order by scheme, source_id, year, occupation
