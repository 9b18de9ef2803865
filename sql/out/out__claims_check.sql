-- Do the data support the seed documents' claims? A claim names countries as buyers or as sellers
-- of online work; each named country is checked against every source that ranks that side
-- (out__country_shares): supported when the country is certainly among the top 10 of that
-- side, contradicted when it is certainly not, no data when the source cannot tell (it names
-- too few countries, or leaves enough unassigned that unlisted countries could come first).
-- Bounds on the rank: observed flows give the rank itself (a country with no projects is not a
-- buyer or seller there at all); published shares give rank r among the listed countries, and
-- at most floor(unlisted / share) unlisted countries can be above it; a published complete
-- top-k list puts every unlisted country below k. One row per claim × country × source × period;
-- a party that is a region, not a country, gets one 'no data' row. N = 10 throughout, stated in
-- each row's rule.
with

claims as (
    select distinct claim_id, role, country_code, region_label from core__claims
),

shares as (
    select * from out__country_shares
),

sets as (
    select distinct
        source_id, platform, year, period_start, period_end, role, basis, listed, unlisted_pct,
        is_top_list
    from shares
),

candidates as (
    select
        claims.claim_id,
        claims.role,
        claims.country_code,
        sets.source_id,
        sets.platform,
        sets.year,
        sets.period_start,
        sets.period_end,
        sets.basis,
        sets.listed,
        sets.unlisted_pct,
        sets.is_top_list,
        shares.share_pct,
        shares.rank,
        (
            select count(*)
            from shares as above
            where
                above.source_id = sets.source_id
                and above.platform = sets.platform
                and above.period_start = sets.period_start
                and above.period_end = sets.period_end
                and above.role = sets.role
                and above.basis = sets.basis
                and above.share_pct > sets.unlisted_pct
        ) as listed_above_unlisted
    from claims
    inner join sets on claims.role = sets.role
    left join shares
        on shares.source_id = sets.source_id
        and shares.platform = sets.platform
        and shares.period_start = sets.period_start
        and shares.period_end = sets.period_end
        and shares.role = sets.role
        and shares.basis = sets.basis
        and shares.country_code = claims.country_code
    where claims.country_code is not null
),

bounded as (
    select
        *,
        case
            when rank is not null then rank
            when basis = 'observed flows' then listed + 1
            when basis = 'published shares' then listed_above_unlisted + 1
            when is_top_list then listed + 1
        end as best_rank,
        case
            when basis = 'published shares' and rank is not null and share_pct > 0
                then rank + floor(unlisted_pct / share_pct)::integer
            when basis <> 'published shares' and rank is not null then rank
        end as worst_rank,
        case
            when year(period_start) = year(period_end)
                and month(period_start) = 1 and day(period_start) = 1
                and month(period_end) = 12 and day(period_end) = 31
                then cast(year(period_start) as varchar)
            else strftime(period_start, '%Y-%m-%d') || ' to ' || strftime(period_end, '%Y-%m-%d')
        end as period_text
    from candidates
),

judged as (
    select
        *,
        case
            when basis = 'observed flows' and rank is null then 'contradicted'
            when worst_rank <= 10 then 'supported'
            when best_rank > 10 then 'contradicted'
            else 'no data'
        end as verdict,
        case
            when rank is not null and basis = 'observed flows'
                then 'rank ' || rank || ' of ' || listed || ' countries with projects ('
                || round(share_pct, 1) || ' % of the projects)'
            when rank is null and basis = 'observed flows'
                then 'no projects among the ' || listed || ' countries with projects'
            when rank is not null and basis = 'published shares'
                then 'listed ' || rank || ' of ' || listed || ' at ' || share_pct || ' %, '
                || round(unlisted_pct, 1) || ' % left to unlisted countries: rank '
                || case
                    when worst_rank = best_rank then cast(best_rank as varchar)
                    when worst_rank is null then best_rank || ' or lower'
                    else best_rank || ' to ' || worst_rank
                end
            when basis = 'published shares'
                then 'not among the ' || listed || ' countries listed, '
                || round(unlisted_pct, 1) || ' % left to unlisted countries: rank '
                || best_rank || ' or lower'
            when rank is not null
                then 'rank ' || rank || ' as printed'
            when is_top_list
                then 'not in the printed top ' || listed || ': rank ' || (listed + 1) || ' or lower'
            else 'not among the ' || listed || ' ranks printed, which are not a complete top list'
        end as evidence
    from bounded
),

country_rows as (
    select
        claim_id,
        country_code,
        role,
        source_id,
        year,
        rank,
        verdict,
        'claimed ' || role || ' among the top 10 ' || role || 's of ' || source_id || ' ('
        || platform || ', ' || basis || ', ' || period_text || '): ' || evidence as rule
    from judged
),

region_rows as (
    select
        claim_id,
        null::varchar as country_code,
        role,
        null::varchar as source_id,
        null::integer as year,
        null::integer as rank,
        'no data' as verdict,
        'names a region (' || region_label || '), not a country: no source ranks it' as rule
    from claims
    where country_code is null
),

unranked_rows as (
    select
        claims.claim_id,
        claims.country_code,
        claims.role,
        null::varchar as source_id,
        null::integer as year,
        null::integer as rank,
        'no data' as verdict,
        'no source ranks the ' || claims.role || 's' as rule
    from claims
    where
        claims.country_code is not null
        and not exists (select 1 from sets where sets.role = claims.role)
),

final as (
    select * from country_rows
    union all
    select * from region_rows
    union all
    select * from unranked_rows
)

select * from final
