-- On every cut of an observed matrix, the bounds computed from the cut's marginals hold what
-- the whole matrix shows and what the estimate from the cut gives, within 1e-6 points: the
-- interval published beside an estimate contains the truth wherever the truth is known.
select *
from out__estimate_cut_check
where
    share_low_pct > share_high_pct + 1e-6
    or observed_share_pct < share_low_pct - 1e-6
    or observed_share_pct > share_high_pct + 1e-6
    or estimated_share_pct < share_low_pct - 1e-6
    or estimated_share_pct > share_high_pct + 1e-6
