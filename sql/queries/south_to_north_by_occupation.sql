-- In which occupations does the work flow most from the South to the North? Per scheme, source,
-- year and occupation: the share of the work done in the South for buyers in the North.
-- Sources that do not break work down by occupation show it as 'unknown'. Estimated figures
-- come from out__estimate_summary (shares of the whole estimate, with the bounds the published
-- shares set; no point figure where the countries not named have no model).
with

classified as (
    select
        buyer_groups.scheme,
        flows.source_id,
        flows.year,
        flows.occupation,
        flows.method,
        flows.unit,
        flows.tasks,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction
    from out__flows as flows
    inner join core__country_groups as buyer_groups
        on flows.buyer_country_code = buyer_groups.country_code
    inner join core__country_groups as seller_groups
        on flows.seller_country_code = seller_groups.country_code
        and buyer_groups.scheme = seller_groups.scheme
    where flows.method = 'observed'
),

observed as (
    select
        scheme,
        source_id,
        year,
        occupation,
        any_value(method) as method,
        -- an occupation with no work South -> North shows 0, not an empty share
        round(
            100 * coalesce(sum(tasks) filter (where direction = 'south_to_north'), 0) / sum(tasks),
            1
        ) as south_to_north_pct,
        null::double as share_low_pct,
        null::double as share_high_pct,
        sum(tasks) as tasks,
        any_value(unit) as unit
    from classified
    group by scheme, source_id, year, occupation
),

estimated as (
    select
        scheme,
        source_id,
        year,
        occupation,
        'estimated' as method,
        round(estimated_share_pct, 1) as south_to_north_pct,
        round(share_low_pct, 1) as share_low_pct,
        round(share_high_pct, 1) as share_high_pct,
        100.0 as tasks,
        'pct_of_total' as unit
    from out__estimate_summary
)

select * from observed
union all
select * from estimated
order by scheme, source_id, year, south_to_north_pct desc nulls last, occupation
