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

-- Every share or rank with, for its set (source × platform × period × side × basis), how many
-- listed countries hold a larger share than all unlisted countries together: an unlisted
-- country can rank no higher than just below them. Counted once per set over the set's own rows
-- (its keys are never null: core__tallies), not once per claim and set.
shares as (
    select
        *,
        count(case when share_pct > unlisted_pct then 1 end) over (
            partition by source_id, platform, period_start, period_end, role, basis
        ) as listed_above_unlisted
    from out__country_shares
),

sets as (
    select distinct
        source_id, platform, year, period_start, period_end, role, basis, listed, unlisted_pct,
        is_top_list, listed_above_unlisted
    from shares
),

-- What each set says of a country: one row per listed country that some claim names, and one
-- row (no country) for every country the set does not list, which it says the same of. Judging
-- these rather than every claim against every set keeps the text built per set, not per claim.
candidates as (
    select
        source_id, platform, year, period_start, period_end, role, basis, listed, unlisted_pct,
        is_top_list, listed_above_unlisted, country_code, share_pct, rank
    from shares
    where exists (
        select 1
        from claims
        where claims.role = shares.role and claims.country_code = shares.country_code
    )
    union all
    select
        source_id, platform, year, period_start, period_end, role, basis, listed, unlisted_pct,
        is_top_list, listed_above_unlisted, null::varchar as country_code,
        null::double as share_pct, null::integer as rank
    from sets
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

rules as (
    select
        *,
        'claimed ' || role || ' among the top 10 ' || role || 's of ' || source_id || ' ('
        || platform || ', ' || basis || ', ' || period_text || '): ' || evidence as rule
    from judged
),

-- Each claimed country against every set of its side: the set's row for the country where it
-- lists it, its row for unlisted countries otherwise.
country_rows as (
    select
        claims.claim_id,
        claims.country_code,
        claims.role,
        unlisted.source_id,
        unlisted.year,
        listed.rank,
        case when listed.country_code is null then unlisted.verdict else listed.verdict end
            as verdict,
        case when listed.country_code is null then unlisted.rule else listed.rule end as rule
    from claims
    inner join rules as unlisted
        on unlisted.role = claims.role
        and unlisted.country_code is null
    left join rules as listed
        on listed.source_id = unlisted.source_id
        and listed.platform = unlisted.platform
        and listed.period_start = unlisted.period_start
        and listed.period_end = unlisted.period_end
        and listed.role = unlisted.role
        and listed.basis = unlisted.basis
        and listed.country_code = claims.country_code
    where claims.country_code is not null
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
