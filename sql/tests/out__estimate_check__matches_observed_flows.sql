-- The observed side of the estimate check is the atlas's own observed flows: every observed
-- direction share in out__estimate_check equals the share in out__flows_by_direction (zero
-- where that table has no observed work in the direction).
select check_rows.*, by_direction.share_pct as flows_share_pct
from out__estimate_check as check_rows
left join out__flows_by_direction as by_direction
    on check_rows.scheme = by_direction.scheme
    and check_rows.source_id = by_direction.source_id
    and check_rows.year = by_direction.year
    and check_rows.direction = by_direction.direction
    and by_direction.method = 'observed'
where abs(check_rows.observed_share_pct - coalesce(by_direction.share_pct, 0)) > 1e-6
