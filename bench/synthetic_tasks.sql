-- Synthetic observed tasks for the benchmarks, never real data: source_id 'synthetic_bench'.
-- Deterministic for a given $seed: every draw is taken from a hash of (row number, seed), so the
-- same seed gives the same rows whatever the number of threads.
-- Skewed like the real data (bench/synthetic_weights.csv): the published shares of the leading
-- buyer and seller countries are kept exactly; the other countries share the rest of the work
-- with weights falling as 1 / rank ^ 1.3 (listed countries first in their published order, the
-- others in a seeded random order). Occupations fall the same way in the listed order. Years
-- 2013-2020 grow by 25% a year (the OLI's annualised growth in 2016); days are uniform within
-- the year; prices are log-normal, median 25 USD (an assumption: no published figure).
-- Each categorical draw maps a 16-bit hash to one of 65,536 bins, so a country with a share
-- below 1 / 65,536 (0.0015%) gets no bin and never appears.
with

countries as (
    select country_code from read_csv($countries_csv, header = true, all_varchar = true)
),

weights as (
    select dimension, value, rank, weight_pct
    from read_csv($weights_csv, header = true, all_varchar = false)
),

country_ranks as (
    select
        roles.dimension,
        countries.country_code as value,
        coalesce(
            weights.rank,
            1000 + row_number() over (
                partition by roles.dimension order by hash(countries.country_code, $seed)
            )
        ) as listed_rank,
        weights.weight_pct
    from countries
    cross join (values ('buyer'), ('seller')) as roles (dimension)
    left join weights
        on weights.dimension = roles.dimension
        and weights.value = countries.country_code
),

ranked as (
    select
        dimension,
        value,
        row_number() over (partition by dimension order by listed_rank) as rank,
        weight_pct
    from country_ranks
    union all
    select dimension, value, rank, weight_pct
    from weights
    where dimension = 'occupation'
),

tails as (
    select
        *,
        100 - coalesce(sum(weight_pct) over (partition by dimension), 0) as tail_pct,
        case when weight_pct is null then pow(rank, -1.3) end as tail_weight
    from ranked
),

shares as (
    select
        dimension,
        value,
        rank,
        coalesce(
            weight_pct,
            tail_pct * tail_weight / sum(tail_weight) over (partition by dimension)
        ) / 100 as share
    from tails
),

years as (
    select
        'year' as dimension,
        cast(y as varchar) as value,
        y as rank,
        pow(1.25, y - 2013) / sum(pow(1.25, y - 2013)) over () as share
    from range(2013, 2021) as t (y)
),

cumulative as (
    select
        dimension,
        value,
        sum(share) over (partition by dimension order by rank) - share as lo,
        sum(share) over (partition by dimension order by rank) as hi
    from (select * from shares union all select * from years)
),

bins as (
    select cumulative.dimension, bin, cumulative.value
    from range(65536) as b (bin)
    inner join cumulative
        on (bin + 0.5) / 65536 >= cumulative.lo
        and (bin + 0.5) / 65536 < cumulative.hi
),

buyer_bins as (select bin, value from bins where dimension = 'buyer'),
seller_bins as (select bin, value from bins where dimension = 'seller'),
occupation_bins as (select bin, value from bins where dimension = 'occupation'),
year_bins as (select bin, cast(value as integer) as year from bins where dimension = 'year'),

hashes as (
    select range as i, hash(range, $seed) as h1
    from range($n)
),

-- independent draws: 16-bit slices of one 64-bit hash, and of the hash of that hash
draws as (
    select
        i,
        h1 % 65536 as buyer_bin,
        (h1 >> 16) % 65536 as seller_bin,
        (h1 >> 32) % 65536 as occupation_bin,
        (h1 >> 48) % 65536 as year_bin,
        hash(h1) % 365 as day_of_year,
        ((hash(h1) >> 16) % 1000000 + 0.5) / 1000000 as u1,
        ((hash(h1) >> 40) % 1000000 + 0.5) / 1000000 as u2
    from hashes
),

final as (
    select
        'synthetic:' || draws.i as task_id,
        'synthetic_bench' as source_id,
        'synthetic' as platform,
        make_date(year_bins.year, 1, 1) + cast(draws.day_of_year as integer) as task_date,
        buyer_bins.value as buyer_country_code,
        seller_bins.value as seller_country_code,
        occupation_bins.value as occupation,
        -- log-normal by Box-Muller: median 25 USD, sigma 1.0, whole cents
        round(25 * exp(sqrt(-2 * ln(draws.u1)) * cos(2 * pi() * draws.u2)), 2) as price_usd,
        'synthetic' as location
    from draws
    inner join buyer_bins on draws.buyer_bin = buyer_bins.bin
    inner join seller_bins on draws.seller_bin = seller_bins.bin
    inner join occupation_bins on draws.occupation_bin = occupation_bins.bin
    inner join year_bins on draws.year_bin = year_bins.bin
)

select * from final
