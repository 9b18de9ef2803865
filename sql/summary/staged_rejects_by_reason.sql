-- The summary of `make fetch`: the rejects staged for one source's files (? = the list of
-- their Parquet files) counted by field, value and reason, most frequent first, in lines: a
-- reject that sums up the exact repeats of an earlier line counts for each of them.
select
    any_value(location) as location,
    field,
    value,
    reason,
    sum(coalesce(repeats, 1)) as n
from read_parquet(?, union_by_name = true)
group by field, value, reason
order by n desc
