-- Every amount is a finite number, sums included: parsers bound each value, and this catches
-- an overflow of the sums. `files` names the raw files whose rows broke it.
with

tallies as (
    select source_id, location, amount from core__tallies
),

flows as (
    select source_id, cast(year as varchar) as location, sum(tasks) as amount
    from out__flows
    group by source_id, year
),

final as (
    select source_id, split_part(location, ':', 1) as files, amount
    from tallies
    where not isfinite(amount)
    union all
    select source_id, null as files, amount
    from flows
    where not isfinite(amount)
)

select * from final
