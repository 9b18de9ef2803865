-- Every source and year with flows or country totals under $scheme: what an export or the
-- API can be asked for (an unknown choice is refused, listing these).
with

flows as (
    select * from out__flows
),

balance as (
    select * from out__country_balance where scheme = $scheme
),

final as (
    select source_id, year from flows
    union
    select source_id, year from balance
)

select * from final
order by source_id, year
