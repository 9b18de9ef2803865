-- Work flowing between countries: one row per source × year × occupation × buyer/seller pair.
-- observed: counted from tasks, or from published buyer × seller pair counts.
-- estimated: where a source gives only buyer shares and seller shares, the flow matrix is fitted
-- to both by pipeline/build/estimate.py (iterative proportional fitting) into int__estimated_flows;
-- with no prior that is the product of the two marginals, share(b) × share(s) / 100, and with
-- an observed matrix as prior (named in the column prior) its structure carries over.
-- Estimated flows are in percent of the source's whole total (unit pct_of_total: the two sides
-- may count different things, vacancies and worker profiles); the countries a source does not
-- name ("rest of world") keep their part of the 100 in rows whose country code is null.
-- prior: 'none' or '<source_id> <year>' on estimated rows, null on observed rows.
-- Doubles are summed as exact decimals (macros exact_decimal, and exact_sum, which adds whole
-- counts as integers), money as whole cents, so that a rebuild gives the same figures to the
-- last digit in whatever order threads add the rows (README, "Identical rebuilds").
with

tasks as (
    select * from core__tasks
),

tallies as (
    select * from core__tallies
),

sources as (
    select * from core__sources
),

estimated_flows as (
    select * from int__estimated_flows
),

-- Tasks are grouped on their raw keys first; the label, unit and method are added to the
-- grouped rows, not to every task (with no final ORDER BY, that halved the build at 10 M).
task_groups as (
    select
        source_id,
        platform,
        year(task_date) as year,
        occupation,
        buyer_country_code,
        seller_country_code,
        count(*) as n_tasks,
        -- money in whole cents, summed as integers: exact in any order, and at the cost of a
        -- plain sum (exact_decimal made this aggregation 28% slower at 10 M tasks)
        sum(cast(floor(price_usd * 100 + 0.5) as bigint)) / 100 as value_usd
    from tasks
    where
        buyer_country_code is not null
        and seller_country_code is not null
        and task_date is not null
    group by
        source_id,
        platform,
        year(task_date),
        occupation,
        buyer_country_code,
        seller_country_code
),

observed_tasks as (
    select
        source_id,
        platform,
        year,
        cast(year as varchar) as period_label,
        occupation,
        buyer_country_code,
        seller_country_code,
        cast(n_tasks as double) as tasks,
        'projects' as unit,
        value_usd,
        'observed' as method,
        cast(null as varchar) as citation,
        cast(null as varchar) as prior
    from task_groups
),

pair_tallies as (
    select
        *,
        case
            when
                year(period_start) = year(period_end)
                and month(period_start) = 1 and day(period_start) = 1
                and month(period_end) = 12 and day(period_end) = 31
                then cast(year(period_start) as varchar)
            else
                strftime(period_start, '%Y-%m-%d') || ' to '
                || strftime(period_end, '%Y-%m-%d')
        end as period_label
    from tallies
    where
        role = 'pair'
        and measure = 'projects'
        and buyer_country_code is not null
        and seller_country_code is not null
),

observed_pairs as (
    select
        source_id,
        platform,
        year(period_start) as year,
        period_label,
        occupation,
        buyer_country_code,
        seller_country_code,
        cast(exact_sum(amount) as double) as tasks,
        'projects' as unit,
        null::double as value_usd,
        'observed' as method,
        max(citation) as citation,
        null::varchar as prior
    from pair_tallies
    group by all
),

-- The whole estimated matrix: the countries the source names, and the remainders of both sides
-- (rest of world) as rows whose country code is null, so that an estimate's rows add up to 100
-- and a named country's rows to its published share. A side's remainders are one category here.
estimated as (
    select
        source_id,
        platform,
        year,
        period_label,
        occupation,
        buyer_country_code,
        seller_country_code,
        cast(sum(exact_decimal(tasks)) as double) as tasks,
        unit,
        null::double as value_usd,
        'estimated' as method,
        min(citation) as citation,
        prior
    from estimated_flows
    group by
        source_id,
        platform,
        year,
        period_label,
        occupation,
        buyer_country_code,
        seller_country_code,
        unit,
        prior
),

unioned as (
    select * from observed_tasks
    union all
    select * from observed_pairs
    union all
    select * from estimated
),

final as (
    select
        unioned.source_id,
        unioned.platform,
        unioned.year,
        unioned.period_label,
        unioned.occupation,
        unioned.buyer_country_code,
        unioned.seller_country_code,
        unioned.tasks,
        unioned.unit,
        unioned.value_usd,
        unioned.method,
        coalesce(unioned.citation, sources.citation) as citation,
        unioned.prior
    from unioned
    left join sources on unioned.source_id = sources.source_id
)

select * from final
