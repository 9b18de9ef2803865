-- The bounds are bounds: the lowest share is not above the highest, both lie in 0..100, and a
-- point estimate (which keeps the published marginals) lies between them, within 1e-6 points.
select *
from out__estimate_summary
where
    share_low_pct < -1e-6
    or share_high_pct > 100 + 1e-6
    or share_low_pct > share_high_pct + 1e-6
    or estimated_share_pct < share_low_pct - 1e-6
    or estimated_share_pct > share_high_pct + 1e-6
