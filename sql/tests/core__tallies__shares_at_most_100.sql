-- The shares published for one source, side and period cannot add up to more than 100
-- (within rounding); a set that does is a typing error in a curated file, two versions of one
-- series loaded together, or a parser bug. `files` names the raw files whose rows take part,
-- so the build can quarantine them and go on.
select
    source_id, role, period_start, period_end, occupation,
    sum(amount) as total_pct,
    string_agg(distinct split_part(location, ':', 1), ',' order by split_part(location, ':', 1))
        as files
from core__tallies
where measure = 'share_pct' and role in ('buyer', 'seller')
group by all
having sum(amount) > 100.5
