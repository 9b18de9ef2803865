-- How far can the estimated flows be trusted? For every observed matrix (each remote-work year)
-- the pairs were hidden and estimated again from the two marginals, with no prior and with the
-- nearest other observed year as prior: the share of the work put on the wrong pair, and the
-- South -> North and domestic shares observed and estimated. Empty without observed flows
-- (make fetch SOURCE=remotework, then make db).
select
    source_id,
    year,
    scheme,
    prior,
    round(pair_error_pct, 1) as pair_error_pct,
    round(observed_share_pct, 1) as south_to_north_observed_pct,
    round(estimated_share_pct, 1) as south_to_north_estimated_pct,
    -- + 0.0 turns a rounded -0.0 into 0.0
    round(estimated_share_pct - observed_share_pct, 1) + 0.0 as south_to_north_error_pts,
    round(domestic_observed_pct, 1) as domestic_observed_pct,
    round(domestic_estimated_pct, 1) as domestic_estimated_pct
from out__estimate_check
where direction = 'south_to_north'
order by source_id, year, scheme, prior = 'none' desc, prior
