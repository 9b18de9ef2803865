-- The claims map's verdicts: one row per party of every claim (country or region), with its
-- verdict from out__claims_check (supported, borderline, sources disagree, contradicted, no
-- data, not measured, not judged), what the claim says of it (market, proposition and the words
-- that say so), the vote of each family of sources (a source and its re-reports count once),
-- the figures behind the verdict (one line per set of the claim's market, each naming its
-- source, market and family), the figures of other markets shown as context (never a
-- verdict), and the claim's verdict with its parties counted. Rows of the same claim repeat the
-- claim's verdict and counts.
with

checks as (
    select * from out__claims_check
),

claims as (
    select * from core__claims
),

countries as (
    select * from core__countries
),

parties as (
    select
        claim_id,
        role,
        country_code,
        region_label,
        min(party_verdict) as party_verdict,
        min(claim_verdict) as claim_verdict,
        min(claim_counts) as claim_counts,
        string_agg(
            case when verdict <> 'context' then verdict || ' — ' || rule end,
            chr(10)
            order by
                verdict = 'no data',
                verdict,
                source_id,
                year
        ) as figures,
        string_agg(
            case when verdict = 'context' then rule end, chr(10) order by source_id, year
        ) as context
    from checks
    group by claim_id, role, country_code, region_label
),

-- one vote per family of sources (a source and its re-reports)
family_votes as (
    select
        claim_id,
        role,
        country_code,
        region_label,
        string_agg(family || ': ' || family_verdict, '; ' order by family) as votes,
        count(*) as families
    from (
        select distinct claim_id, role, country_code, region_label, family, family_verdict
        from checks
        where family_verdict is not null
    ) as families
    group by claim_id, role, country_code, region_label
),

party_counts as (
    select
        claim_id,
        count(*) filter (where party_verdict = 'supported') as parties_supported,
        count(*) filter (where party_verdict = 'borderline') as parties_borderline,
        count(*) filter (where party_verdict = 'sources disagree') as parties_disagreeing,
        count(*) filter (where party_verdict = 'contradicted') as parties_contradicted,
        count(*) filter (where party_verdict = 'no data') as parties_without_data,
        count(*) filter (where party_verdict = 'not measured') as parties_not_measured,
        count(*) filter (where party_verdict = 'not judged') as parties_not_judged
    from parties
    group by claim_id
),

final as (
    select
        parties.claim_id,
        parties.role,
        parties.country_code,
        coalesce(countries.name, parties.region_label) as party_name,
        countries.country_code is not null as is_drawn,
        countries.lon,
        countries.lat,
        claims.market,
        claims.proposition,
        claims.proposition_words,
        claims.proposition_words_en,
        claims.region_definition,
        parties.party_verdict,
        coalesce(family_votes.families, 0) as families,
        family_votes.votes,
        parties.figures,
        parties.context,
        parties.claim_verdict,
        parties.claim_counts,
        party_counts.parties_supported,
        party_counts.parties_borderline,
        party_counts.parties_disagreeing,
        party_counts.parties_contradicted,
        party_counts.parties_without_data,
        party_counts.parties_not_measured,
        party_counts.parties_not_judged
    from parties
    inner join party_counts on parties.claim_id = party_counts.claim_id
    inner join claims
        on parties.claim_id = claims.claim_id
        and parties.role = claims.role
        and parties.country_code is not distinct from claims.country_code
        and parties.region_label is not distinct from claims.region_label
    left join family_votes
        on parties.claim_id = family_votes.claim_id
        and parties.role = family_votes.role
        and parties.country_code is not distinct from family_votes.country_code
        and parties.region_label is not distinct from family_votes.region_label
    left join countries on parties.country_code = countries.country_code
)

select * from final
order by claim_id, role, country_code nulls last, party_name
