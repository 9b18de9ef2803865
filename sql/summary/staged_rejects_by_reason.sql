-- The summary of `make fetch`: the rejects staged for one source's files (? = the list of
-- their Parquet files) counted by field, value and reason, most frequent first.
select
    any_value(location) as location,
    field,
    value,
    reason,
    count(*) as n
from read_parquet(?)
group by field, value, reason
order by n desc
