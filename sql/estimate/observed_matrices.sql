-- Observed buyer × seller matrices, one per source and year (occupations and platforms
-- summed), counted exactly as the observed rows of out__flows are: tasks with both countries
-- and a date, and published pair counts. They are the priors of the estimator and the truth
-- it is checked against.
-- Doubles are summed as exact decimals (macro exact_decimal), so that a rebuild gives the same
-- figures to the last digit in whatever order threads add the rows (README, "Identical
-- rebuilds").
with

tasks as (
    select * from core__tasks
),

tallies as (
    select * from core__tallies
),

from_tasks as (
    select
        source_id,
        year(task_date) as year,
        buyer_country_code,
        seller_country_code,
        count(*)::double as tasks
    from tasks
    where
        buyer_country_code is not null
        and seller_country_code is not null
        and task_date is not null
    group by all
),

from_pairs as (
    select
        source_id,
        year(period_start) as year,
        buyer_country_code,
        seller_country_code,
        cast(sum(exact_decimal(amount)) as double) as tasks
    from tallies
    where
        role = 'pair'
        and measure = 'projects'
        and buyer_country_code is not null
        and seller_country_code is not null
    group by all
),

unioned as (
    select * from from_tasks
    union all
    select * from from_pairs
),

final as (
    select
        source_id,
        year,
        buyer_country_code,
        seller_country_code,
        cast(sum(exact_decimal(tasks)) as double) as tasks
    from unioned
    group by all
)

select * from final
order by source_id, year, buyer_country_code, seller_country_code
