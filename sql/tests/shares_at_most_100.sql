-- The shares published for one source, side and period cannot add up to more than 100
-- (within rounding); a set that does is a typing error in a curated file or a parser bug.
select
    source_id, role, period_start, period_end, occupation,
    sum(amount) as total_pct
from core__tallies
where measure = 'share_pct' and role in ('buyer', 'seller')
group by all
having sum(amount) > 100.5
