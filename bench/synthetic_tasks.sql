-- Synthetic observed tasks for benchmarks: $n rows over the real country codes, 6 occupations,
-- 8 years, prices between 1 and 500 USD. Deterministic (hash of the row number).
with

codes as (
    select country_code, row_number() over (order by country_code) - 1 as i
    from core__countries
),

n_codes as (
    select count(*) as n from codes
),

rows as (
    select
        range as i,
        hash(range) as h1,
        hash(range + 7919) as h2
    from range($n)
),

final as (
    select
        'bench:' || rows.i as task_id,
        'bench' as source_id,
        'synthetic' as platform,
        date '2013-01-01' + cast(rows.h1 % 2920 as integer) as task_date,
        buyers.country_code as buyer_country_code,
        sellers.country_code as seller_country_code,
        [
            'clerical and data entry', 'creative and multimedia', 'professional services',
            'sales and marketing support', 'software development and technology',
            'writing and translation'
        ][cast(rows.h2 % 6 as integer) + 1] as occupation,
        1 + (rows.h1 % 500) as price_usd,
        'bench' as location
    from rows
    cross join n_codes
    inner join codes as buyers on buyers.i = (rows.h1 // 7) % n_codes.n
    inner join codes as sellers on sellers.i = (rows.h2 // 11) % n_codes.n
)

select * from final
