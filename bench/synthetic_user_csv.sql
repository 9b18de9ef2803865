-- Synthetic tasks (temp table synthetic_tasks) as a user flow CSV: one row per task, countries
-- by their English names as users write them, a count of projects from 1 to 20.
with

countries as (
    select country_code, name from read_csv($countries_csv, header = true, all_varchar = true)
),

final as (
    select
        buyers.name as buyer_country,
        sellers.name as seller_country,
        1 + hash(tasks.task_id) % 20 as count,
        year(tasks.task_date) as year,
        tasks.platform,
        tasks.occupation
    from synthetic_tasks as tasks
    inner join countries as buyers on tasks.buyer_country_code = buyers.country_code
    inner join countries as sellers on tasks.seller_country_code = sellers.country_code
)

select * from final
