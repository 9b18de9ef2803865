-- Do the data support the seed documents' claims, judged on what each claim says? Every party
-- (a country or region a claim names as buyer or seller) carries, from the review of the claim
-- text (core__claims): the market the claim is about, and a proposition: leading (the biggest,
-- most, first, mainly), present (work comes from or goes to it) or anecdote (one person, firm
-- or case). A party is judged only by the sets of out__country_shares (source × platform ×
-- period × side) whose source measures the claim's market (core__sources.market):
--   leading, k = the parties the claim names as leading on that side: supported when the
--     party's rank is certainly ≤ k, borderline when certainly in k+1..2k, contradicted when
--     certainly > 2k, no data otherwise; a leading party said to hold a share S ("most": 50)
--     is supported at ≥ S, borderline in S/2..S, contradicted below S/2;
--   present: supported at ≥ 0.1 % of its side, or when a printed top list of the market names
--     it; borderline (a trace) at 0.01..0.1 %, and contradicted below 0.01 % only in observed
--     data, which list every country, of at least 10,000 projects (then the 95 % upper bound
--     on a share of 0 projects, 3 in 10,000, is still below the 0.1 % floor);
--   anecdote: never judged (verdict 'not judged').
-- Rank bounds as before: observed flows give the rank itself; published shares rank r among
-- the listed countries, and at most floor(unlisted / share) unlisted countries can be above;
-- a printed complete top-k list puts every unlisted country below k (a top k in no stated
-- order, ranks 1..k). A region is its UN M49 countries (core__countries, region_m49) summed
-- and ranked as one unit against the countries outside it.
-- A claim about a market no source measures on that side is 'not measured'; a claim scoped
-- narrower than any source reports (an occupation, the worst-paid tasks) is 'no data'. Their
-- figures from other markets (and every figure of a source that declares no market) are rows
-- with verdict 'context': shown beside the claim, never a verdict.
-- A party's verdict counts each family of sources once (core__source_lineage: a source and
-- its re-reports): a family's sets are combined first, then the families, by one rule
-- (supported and contradicted: sources disagree; else supported; else contradicted; else
-- borderline; else no data). A claim is supported only when every party that is not an
-- anecdote is supported.
-- One row per claim × party × set judged or shown, and one row (no source) per party that is
-- an anecdote, not measured, or out of every source's scope.
with

claims as (
    select distinct
        claim_id,
        role,
        country_code,
        region_label,
        region_m49,
        market,
        proposition,
        proposition_words,
        stated_share_pct,
        scope
    from core__claims
),

leading_counts as (
    select claim_id, role, count(*) as k
    from claims
    where proposition = 'leading'
    group by claim_id, role
),

parties as (
    select
        claims.*,
        leading_counts.k,
        coalesce(claims.country_code, claims.region_label) as party
    from claims
    left join leading_counts
        on claims.claim_id = leading_counts.claim_id
        and claims.role = leading_counts.role
),

-- the countries of each claimed M49 area, at whatever level M49 defines it
region_members as (
    select distinct areas.region_m49, countries.country_code
    from (select distinct region_m49 from parties where region_m49 is not null) as areas
    inner join core__countries as countries
        on areas.region_m49 in (
            countries.region, countries.subregion, countries.intermediate_region
        )
),

region_sizes as (
    select region_m49, count(*) as members
    from region_members
    group by region_m49
),

lineage as (
    select * from core__source_lineage
),

-- every share or rank with its source's market and family, and for its set how many listed
-- countries hold more than all unlisted countries together (an unlisted country can rank no
-- higher than just below them)
shares as (
    select
        shares.*,
        sources.market as source_market,
        coalesce(by_platform.family, by_source.family, shares.source_id) as family,
        count(case when shares.share_pct > shares.unlisted_pct then 1 end) over (
            partition by
                shares.source_id, shares.platform, shares.period_start, shares.period_end,
                shares.role, shares.basis
        ) as listed_above_unlisted
    from out__country_shares as shares
    left join core__sources as sources on shares.source_id = sources.source_id
    left join lineage as by_platform
        on shares.source_id = by_platform.source_id
        and shares.platform = by_platform.platform
    left join lineage as by_source
        on shares.source_id = by_source.source_id
        and by_source.platform is null
),

observed_totals as (
    select source_id, year, cast(sum(exact_decimal(tasks)) as double) as units
    from out__flows
    where method = 'observed'
    group by source_id, year
),

sets as (
    select distinct
        shares.source_id,
        shares.platform,
        shares.year,
        shares.period_start,
        shares.period_end,
        shares.role,
        shares.basis,
        shares.listed,
        shares.unlisted_pct,
        shares.is_top_list,
        shares.listed_above_unlisted,
        shares.source_market,
        shares.family,
        case when shares.basis = 'observed flows' then observed_totals.units end as units
    from shares
    left join observed_totals
        on shares.source_id = observed_totals.source_id
        and shares.year = observed_totals.year
),

-- the markets measured on each side
measured as (
    select distinct role, source_market as market
    from sets
    where source_market is not null
),

parties_measured as (
    select
        parties.*,
        measured.market is not null as is_measured
    from parties
    left join measured on parties.role = measured.role and parties.market = measured.market
),

-- which sets each party is held against: those of its market judge it; the others, and those
-- of a source with no declared market, are context for a party nothing judges
party_sets as (
    select
        parties.*,
        sets.source_id,
        sets.platform,
        sets.year,
        sets.period_start,
        sets.period_end,
        sets.basis,
        sets.listed,
        sets.unlisted_pct,
        sets.is_top_list,
        sets.listed_above_unlisted,
        sets.source_market,
        sets.family,
        sets.units,
        parties.scope is null and coalesce(sets.source_market = parties.market, false)
            as is_vote,
        parties.scope is not null or sets.source_market is null or not parties.is_measured
            as is_context
    from parties_measured as parties
    inner join sets on parties.role = sets.role
    where parties.proposition <> 'anecdote'
),

shown as (
    select * from party_sets where is_vote or is_context
),

country_figures as (
    select
        shown.*,
        listed.country_code is not null as is_listed,
        listed.share_pct,
        listed.rank,
        listed.qualifier,
        null::integer as members,
        null::integer as members_listed
    from shown
    left join shares as listed
        on shown.source_id = listed.source_id
        and shown.platform = listed.platform
        and shown.period_start = listed.period_start
        and shown.period_end = listed.period_end
        and shown.role = listed.role
        and shown.basis = listed.basis
        and shown.country_code = listed.country_code
    where shown.country_code is not null
),

-- a region: what the set lists of its countries
region_listed as (
    select
        shown.claim_id,
        shown.role,
        shown.party,
        shown.source_id,
        shown.platform,
        shown.period_start,
        shown.period_end,
        shown.basis,
        count(*) as members_listed,
        cast(sum(exact_decimal(listed.share_pct)) as double) as member_share,
        min(coalesce(listed.rank, listed.listed)) as best_member_rank
    from shown
    inner join region_members on shown.region_m49 = region_members.region_m49
    inner join shares as listed
        on shown.source_id = listed.source_id
        and shown.platform = listed.platform
        and shown.period_start = listed.period_start
        and shown.period_end = listed.period_end
        and shown.role = listed.role
        and shown.basis = listed.basis
        and region_members.country_code = listed.country_code
    group by
        shown.claim_id, shown.role, shown.party, shown.source_id, shown.platform,
        shown.period_start, shown.period_end, shown.basis
),

region_shares as (
    select
        shown.*,
        coalesce(region_sizes.members, 0) as members,
        coalesce(region_listed.members_listed, 0) as members_listed,
        region_listed.best_member_rank,
        case when shown.basis <> 'published ranks' then coalesce(region_listed.member_share, 0) end
            as share_low,
        case
            when shown.basis = 'observed flows' then coalesce(region_listed.member_share, 0)
            when shown.basis = 'published shares'
                then coalesce(region_listed.member_share, 0)
                + case
                    when coalesce(region_listed.members_listed, 0)
                        < coalesce(region_sizes.members, 0)
                        then shown.unlisted_pct
                    else 0
                end
        end as share_high
    from shown
    left join region_sizes on shown.region_m49 = region_sizes.region_m49
    left join region_listed
        on shown.claim_id = region_listed.claim_id
        and shown.role = region_listed.role
        and shown.party = region_listed.party
        and shown.source_id = region_listed.source_id
        and shown.platform = region_listed.platform
        and shown.period_start = region_listed.period_start
        and shown.period_end = region_listed.period_end
        and shown.basis = region_listed.basis
    where shown.country_code is null and shown.region_m49 is not null
),

-- how many countries outside the region the set lists above it
region_outranked as (
    select
        region_shares.claim_id,
        region_shares.role,
        region_shares.party,
        region_shares.source_id,
        region_shares.platform,
        region_shares.period_start,
        region_shares.period_end,
        region_shares.basis,
        count(case when outside.share_pct > region_shares.share_high then 1 end) as above_high,
        count(case when outside.share_pct >= region_shares.share_low then 1 end) as above_low
    from region_shares
    inner join shares as outside
        on region_shares.source_id = outside.source_id
        and region_shares.platform = outside.platform
        and region_shares.period_start = outside.period_start
        and region_shares.period_end = outside.period_end
        and region_shares.role = outside.role
        and region_shares.basis = outside.basis
    left join region_members
        on region_shares.region_m49 = region_members.region_m49
        and outside.country_code = region_members.country_code
    where region_members.country_code is null
    group by
        region_shares.claim_id, region_shares.role, region_shares.party,
        region_shares.source_id, region_shares.platform, region_shares.period_start,
        region_shares.period_end, region_shares.basis
),

region_figures as (
    select
        region_shares.*,
        coalesce(region_outranked.above_high, 0) as above_high,
        coalesce(region_outranked.above_low, 0) as above_low
    from region_shares
    left join region_outranked
        on region_shares.claim_id = region_outranked.claim_id
        and region_shares.role = region_outranked.role
        and region_shares.party = region_outranked.party
        and region_shares.source_id = region_outranked.source_id
        and region_shares.platform = region_outranked.platform
        and region_shares.period_start = region_outranked.period_start
        and region_shares.period_end = region_outranked.period_end
        and region_shares.basis = region_outranked.basis
),

-- each figure's share and rank bounds; null where the set says nothing
country_bounds as (
    select
        claim_id, role, country_code, region_label, region_m49, market, proposition,
        stated_share_pct, scope, k, party, source_id, platform, year, period_start, period_end,
        basis, listed, unlisted_pct, is_top_list, source_market, family, units, is_vote,
        is_listed, qualifier, members, members_listed,
        case when basis <> 'published ranks' and is_listed then share_pct end as share_pct,
        rank,
        case
            when basis = 'observed flows' then coalesce(share_pct, 0)
            when basis = 'published shares' then coalesce(share_pct, 0)
        end as share_low,
        case
            when basis = 'observed flows' then coalesce(share_pct, 0)
            when basis = 'published shares' and is_listed then share_pct
            when basis = 'published shares' then unlisted_pct
            when rank is not null then cast(100 as double) / rank
            when not is_listed and is_top_list then cast(100 as double) / (listed + 1)
        end as share_high,
        case
            when rank is not null then rank
            when is_listed then 1
            when basis = 'observed flows' then listed + 1
            when basis = 'published shares' then listed_above_unlisted + 1
            when is_top_list then listed + 1
            else 1
        end as rank_best,
        case
            when basis = 'published shares' and is_listed and share_pct > 0
                then rank + floor(unlisted_pct / share_pct)::integer
            when basis <> 'published shares' and rank is not null then rank
            when is_listed and basis = 'published ranks' then listed
        end as rank_worst
    from country_figures
),

region_bounds as (
    select
        claim_id, role, country_code, region_label, region_m49, market, proposition,
        stated_share_pct, scope, k, party, source_id, platform, year, period_start, period_end,
        basis, listed, unlisted_pct, is_top_list, source_market, family, units, is_vote,
        members_listed > 0 as is_listed,
        null::varchar as qualifier,
        members,
        members_listed,
        case
            when basis = 'observed flows' then share_low
            when basis = 'published shares' and share_high = share_low then share_low
        end as share_pct,
        case when basis = 'observed flows' then above_high + 1 end as rank,
        share_low,
        share_high,
        case
            when basis = 'published ranks' then 1
            else above_high + 1
        end as rank_best,
        case
            when basis = 'observed flows' then above_high + 1
            when basis = 'published shares' and share_low > 0
                then above_low + 1 + floor(unlisted_pct / share_low)::integer
            when basis = 'published ranks' then best_member_rank
        end as rank_worst
    from region_figures
),

bounds as (
    select * from country_bounds
    union all
    select * from region_bounds
),

judged as (
    select
        *,
        case
            when not is_vote then 'context'
            when proposition = 'leading' and stated_share_pct is not null then
                case
                    when share_low >= stated_share_pct then 'supported'
                    when share_high < stated_share_pct / 2 then 'contradicted'
                    when share_low >= stated_share_pct / 2 and share_high < stated_share_pct
                        then 'borderline'
                    else 'no data'
                end
            when proposition = 'leading' then
                case
                    when rank_worst <= k then 'supported'
                    when rank_best > 2 * k then 'contradicted'
                    when rank_best > k and rank_worst <= 2 * k then 'borderline'
                    else 'no data'
                end
            when share_low >= 0.1 or (basis = 'published ranks' and is_listed) then 'supported'
            when basis = 'observed flows' and share_high < 0.01 and units >= 10000
                then 'contradicted'
            when basis = 'observed flows' and share_high < 0.1 and share_low >= 0.01
                then 'borderline'
            else 'no data'
        end as verdict,
        case
            when year(period_start) = year(period_end)
                and month(period_start) = 1 and day(period_start) = 1
                and month(period_end) = 12 and day(period_end) = 31
                then cast(year(period_start) as varchar)
            else strftime(period_start, '%Y-%m-%d') || ' to ' || strftime(period_end, '%Y-%m-%d')
        end as period_text,
        case
            when rank_worst = rank_best then cast(rank_best as varchar)
            when rank_worst is null then rank_best || ' or lower'
            else rank_best || ' to ' || rank_worst
        end as rank_text
    from bounds
),

described as (
    select
        *,
        case
            when region_m49 is not null
                then 'UN M49 ' || region_m49 || ' (' || members || ' countries) summed: '
                || case
                    when basis = 'observed flows'
                        then round(share_low, 3) || ' % of the ' || cast(round(units) as bigint) || ' projects ('
                        || members_listed || ' of its countries with projects): rank ' || rank_text
                        || ' as one unit'
                    when basis = 'published shares' and members_listed = 0
                        then 'none of its countries listed, ' || round(unlisted_pct, 1)
                        || ' % left to unlisted countries: rank ' || rank_text || ' as one unit'
                    when basis = 'published shares' and members_listed < members
                        then members_listed || ' of its countries listed, holding '
                        || round(share_low, 3) || ' %, at most ' || round(share_high, 3)
                        || ' % with what is left to unlisted countries: rank ' || rank_text
                        || ' as one unit'
                    when basis = 'published shares'
                        then 'all its countries listed, holding ' || round(share_low, 3)
                        || ' %: rank ' || rank_text || ' as one unit'
                    when is_listed
                        then 'its best-placed country is ranked ' || rank_worst
                        || ' of the ' || listed || ' printed: rank ' || rank_text
                        || ' as one unit'
                    else 'none of its countries among the ' || listed || ' ranks printed'
                end
            when basis = 'observed flows' and is_listed
                then 'rank ' || rank || ' of ' || listed || ' countries with projects, '
                || round(share_pct, 3) || ' % of the ' || cast(round(units) as bigint) || ' projects'
            when basis = 'observed flows'
                then 'no projects among the ' || listed || ' countries with projects ('
                || cast(round(units) as bigint) || ' projects)'
            when basis = 'published shares' and is_listed
                then 'listed ' || rank || ' of ' || listed || ' at '
                || coalesce(qualifier || ' ', '') || share_pct || ' %, '
                || round(unlisted_pct, 1) || ' % left to unlisted countries: rank ' || rank_text
            when basis = 'published shares'
                then 'not among the ' || listed || ' countries listed, '
                || round(unlisted_pct, 1) || ' % left to unlisted countries: rank ' || rank_text
            when rank is not null
                then 'rank ' || rank || ' as printed' || coalesce(' (' || qualifier || ')', '')
            when is_listed
                then 'among the printed top ' || listed || ' in no stated order: rank '
                || rank_text
            when is_top_list
                then 'not in the printed top ' || listed || ': rank ' || (listed + 1)
                || ' or lower'
            else 'not among the ' || listed || ' ranks printed, which are not a complete top list'
        end as evidence,
        source_id || ' (' || platform || ', ' || basis || ', ' || period_text || '; '
        || coalesce(source_market, 'market not declared') || ', counted as ' || family || ')'
            as set_text,
        case
            when proposition = 'leading' and stated_share_pct is not null
                then 'leading ' || role || ', said to hold ' || stated_share_pct
                || ' %: supported at ≥ ' || stated_share_pct || ' %, borderline '
                || (stated_share_pct / 2) || '–' || stated_share_pct
                || ' %, contradicted below ' || (stated_share_pct / 2) || ' %'
            when proposition = 'leading'
                then 'leading ' || role || ', ' || k || ' named: supported at rank ≤ ' || k
                || ', borderline '
                || case
                    when k = 1 then 'at rank 2'
                    else (k + 1) || '–' || (2 * k)
                end
                || ', contradicted from ' || (2 * k + 1)
            else 'named ' || role || ': supported at ≥ 0.1 % or in a printed top list, '
                || 'contradicted below 0.01 % only in observed data of ≥ 10,000 projects'
        end as rule_text
    from judged
),

figure_rows as (
    select
        claim_id,
        country_code,
        role,
        source_id,
        year,
        rank,
        verdict,
        case
            when verdict <> 'context' then rule_text || ' — ' || set_text || ': ' || evidence
            when scope is not null
                then 'context, not a verdict (all ' || coalesce(source_market, 'undeclared')
                || ' work; the claim is about ' || scope || ') — ' || set_text || ': '
                || evidence
            else 'context, not a verdict (' || coalesce(source_market, 'undeclared market')
                || ' data; the claim is about ' || market || ') — ' || set_text || ': '
                || evidence
        end as rule,
        region_label,
        market,
        proposition,
        k,
        source_market,
        family,
        platform,
        basis,
        period_start,
        period_end,
        share_pct,
        share_low as share_low_pct,
        share_high as share_high_pct,
        rank_best,
        rank_worst,
        party
    from described
),

-- parties with no figure that judges them
unjudged as (
    select
        *,
        case
            when proposition = 'anecdote' then 'not judged'
            when scope is not null then 'no data'
            when country_code is null and region_m49 is null then 'no data'
            else 'not measured'
        end as verdict
    from parties_measured
    where
        proposition = 'anecdote'
        or scope is not null
        or (country_code is null and region_m49 is null)
        or not is_measured
),

unjudged_rows as (
    select
        claim_id,
        country_code,
        role,
        null::varchar as source_id,
        null::integer as year,
        null::integer as rank,
        verdict,
        case
            when proposition = 'anecdote'
                then 'anecdote (one person, firm or case): "' || proposition_words
                || '"; not judged against the data'
            when scope is not null
                then 'scope: the claim is about ' || scope || '; no source of ' || market
                || ' reports it'
            when verdict = 'no data'
                then region_label || ' is not a place the data can be summed over'
            else 'not measured: no source measures the ' || role || 's of ' || market
        end as rule,
        region_label,
        market,
        proposition,
        k,
        null::varchar as source_market,
        null::varchar as family,
        null::varchar as platform,
        null::varchar as basis,
        null::date as period_start,
        null::date as period_end,
        null::double as share_pct,
        null::double as share_low_pct,
        null::double as share_high_pct,
        null::integer as rank_best,
        null::integer as rank_worst,
        party
    from unjudged
),

all_rows as (
    select * from figure_rows
    union all
    select * from unjudged_rows
),

-- each family's sets combined, then the families: one vote per family
family_votes as (
    select
        claim_id,
        role,
        party,
        family,
        max(case when verdict = 'supported' then 1 else 0 end) as supports,
        max(case when verdict = 'contradicted' then 1 else 0 end) as contradicts,
        max(case when verdict = 'borderline' then 1 else 0 end) as borders
    from all_rows
    where verdict in ('supported', 'contradicted', 'borderline', 'no data')
        and source_id is not null
    group by claim_id, role, party, family
),

family_verdicts as (
    select
        *,
        case
            when supports = 1 and contradicts = 1 then 'sources disagree'
            when supports = 1 then 'supported'
            when contradicts = 1 then 'contradicted'
            when borders = 1 then 'borderline'
            else 'no data'
        end as family_verdict
    from family_votes
),

party_votes as (
    select
        claim_id,
        role,
        party,
        sum(supports * (1 - contradicts)) as families_supporting,
        sum(contradicts * (1 - supports)) as families_contradicting,
        sum(supports * contradicts) as families_disagreeing,
        sum(borders * (1 - supports) * (1 - contradicts)) as families_borderline
    from family_votes
    group by claim_id, role, party
),

party_verdicts as (
    select
        parties.claim_id,
        parties.role,
        parties.party,
        case
            when unjudged.verdict is not null then unjudged.verdict
            when party_votes.families_disagreeing > 0
                or (party_votes.families_supporting > 0 and party_votes.families_contradicting > 0)
                then 'sources disagree'
            when party_votes.families_supporting > 0 then 'supported'
            when party_votes.families_contradicting > 0 then 'contradicted'
            when party_votes.families_borderline > 0 then 'borderline'
            else 'no data'
        end as party_verdict
    from parties
    left join unjudged
        on parties.claim_id = unjudged.claim_id
        and parties.role = unjudged.role
        and parties.party = unjudged.party
    left join party_votes
        on parties.claim_id = party_votes.claim_id
        and parties.role = party_votes.role
        and parties.party = party_votes.party
),

claim_counts as (
    select
        claim_id,
        count(case when party_verdict = 'supported' then 1 end) as supported,
        count(case when party_verdict = 'borderline' then 1 end) as borderline,
        count(case when party_verdict = 'sources disagree' then 1 end) as disagreeing,
        count(case when party_verdict = 'contradicted' then 1 end) as contradicted,
        count(case when party_verdict = 'no data' then 1 end) as without_data,
        count(case when party_verdict = 'not measured' then 1 end) as not_measured,
        count(case when party_verdict = 'not judged' then 1 end) as not_judged,
        count(*) as parties
    from party_verdicts
    group by claim_id
),

claim_verdicts as (
    select
        claim_id,
        case
            when not_judged = parties then 'not judged'
            when supported + borderline + disagreeing + contradicted = 0 then 'not measured'
            when supported = parties - not_judged then 'supported'
            when contradicted = supported + borderline + disagreeing + contradicted
                then 'contradicted'
            else 'partly supported'
        end as claim_verdict,
        concat_ws(
            ', ',
            case when supported > 0 then supported || ' supported' end,
            case when borderline > 0 then borderline || ' borderline' end,
            case when disagreeing > 0 then disagreeing || ' sources disagree' end,
            case when contradicted > 0 then contradicted || ' contradicted' end,
            case when without_data > 0 then without_data || ' no data' end,
            case when not_measured > 0 then not_measured || ' not measured' end,
            case when not_judged > 0 then not_judged || ' not judged' end
        ) as claim_counts
    from claim_counts
),

final as (
    select
        all_rows.claim_id,
        all_rows.country_code,
        all_rows.role,
        all_rows.source_id,
        all_rows.year,
        all_rows.rank,
        all_rows.verdict,
        all_rows.rule,
        all_rows.region_label,
        all_rows.market,
        all_rows.proposition,
        all_rows.k,
        all_rows.source_market,
        all_rows.family,
        all_rows.platform,
        all_rows.basis,
        all_rows.period_start,
        all_rows.period_end,
        all_rows.share_pct,
        all_rows.share_low_pct,
        all_rows.share_high_pct,
        all_rows.rank_best,
        all_rows.rank_worst,
        family_verdicts.family_verdict,
        party_verdicts.party_verdict,
        claim_verdicts.claim_verdict,
        claim_verdicts.claim_counts
    from all_rows
    inner join party_verdicts
        on all_rows.claim_id = party_verdicts.claim_id
        and all_rows.role = party_verdicts.role
        and all_rows.party = party_verdicts.party
    inner join claim_verdicts on all_rows.claim_id = claim_verdicts.claim_id
    left join family_verdicts
        on all_rows.claim_id = family_verdicts.claim_id
        and all_rows.role = family_verdicts.role
        and all_rows.party = family_verdicts.party
        and all_rows.family = family_verdicts.family
        and all_rows.verdict <> 'context'
)

select * from final
