-- Work flowing between countries: one row per source × year × occupation × buyer/seller pair.
-- observed: counted from tasks, or from published buyer × seller pair counts.
-- estimated: where a source gives only buyer shares and seller shares, the flow is the product
-- of the two marginals, share(b, s) = share(b) × share(s) / 100, i.e. work is assumed to be
-- spread over worker countries in proportion to their share of workers, whoever the buyer is.
-- Estimated flows are in percent of all projects (unit pct_of_projects); shares of regions
-- and remainders ("rest of world") take part in the 100 but give no country pair.
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

marginal_pairs as (
    select * from out__marginal_pairs
),

-- Tasks are grouped on their raw keys first; the label, unit and method are added to the
-- grouped rows, not to every task (at 10 M tasks that halves the build).
task_groups as (
    select
        source_id,
        platform,
        year(task_date) as year,
        occupation,
        buyer_country_code,
        seller_country_code,
        count(*) as n_tasks,
        sum(price_usd) as value_usd
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
        cast(null as varchar) as citation
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
        sum(amount) as tasks,
        'projects' as unit,
        null::double as value_usd,
        'observed' as method,
        max(citation) as citation
    from pair_tallies
    group by all
),

buyer_shares as (
    select
        tallies.*,
        marginal_pairs.year,
        marginal_pairs.period_label,
        marginal_pairs.seller_period_start,
        marginal_pairs.seller_period_end
    from tallies
    inner join marginal_pairs
        on tallies.source_id = marginal_pairs.source_id
        and tallies.period_start = marginal_pairs.buyer_period_start
        and tallies.period_end = marginal_pairs.buyer_period_end
    where
        tallies.role = 'buyer'
        and tallies.measure = 'share_pct'
        and tallies.buyer_country_code is not null
),

seller_shares as (
    select *
    from tallies
    where
        role = 'seller'
        and measure = 'share_pct'
        and seller_country_code is not null
),

estimated as (
    select
        buyer_shares.source_id,
        buyer_shares.platform,
        buyer_shares.year,
        buyer_shares.period_label,
        buyer_shares.occupation,
        buyer_shares.buyer_country_code,
        seller_shares.seller_country_code,
        buyer_shares.amount * seller_shares.amount / 100 as tasks,
        'pct_of_projects' as unit,
        null::double as value_usd,
        'estimated' as method,
        case
            when buyer_shares.citation = seller_shares.citation then buyer_shares.citation
            else concat_ws(' × ', buyer_shares.citation, seller_shares.citation)
        end as citation
    from buyer_shares
    inner join seller_shares
        on buyer_shares.source_id = seller_shares.source_id
        and buyer_shares.seller_period_start = seller_shares.period_start
        and buyer_shares.seller_period_end = seller_shares.period_end
        and buyer_shares.occupation = seller_shares.occupation
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
        coalesce(unioned.citation, sources.citation) as citation
    from unioned
    left join sources on unioned.source_id = sources.source_id
)

select * from final
