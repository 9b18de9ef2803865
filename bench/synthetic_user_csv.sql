-- Synthetic tasks (temp table synthetic_tasks) as a user flow CSV: the tasks counted per flow key
-- (buyer, seller, year, platform, occupation), one row per key, countries by their English names
-- as users write them. A user's table is aggregated, so its rows are distinct keys; each task
-- takes one of 50 synthetic platform labels (3M tasks give about 1.1M keys: the skewed
-- countries alone would fold 1M tasks into 146k keys).
with

countries as (
    select country_code, name from read_csv($countries_csv, header = true, all_varchar = true)
),

keyed as (
    select
        buyer_country_code,
        seller_country_code,
        year(task_date) as year,
        'synthetic-' || lpad(cast(hash(task_id, 'platform') % 50 as varchar), 2, '0')
            as platform,
        occupation,
        count(*) as count
    from synthetic_tasks
    group by all
),

final as (
    select
        buyers.name as buyer_country,
        sellers.name as seller_country,
        keyed.count,
        keyed.year,
        keyed.platform,
        keyed.occupation
    from keyed
    inner join countries as buyers on keyed.buyer_country_code = buyers.country_code
    inner join countries as sellers on keyed.seller_country_code = sellers.country_code
    -- a stable order, so that the same seed writes the same file
    order by hash(buyers.name, sellers.name, keyed.year, keyed.platform, keyed.occupation)
)

select * from final
