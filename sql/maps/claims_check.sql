-- The claims map's verdicts: one row per party of every claim (country or region), with the
-- verdict of each source that ranks its side summed up (supported / contradicted / no data),
-- the party's verdict (supported: some source supports it and none contradicts it;
-- contradicted: the reverse; sources disagree: both; no data: neither), the figures behind it,
-- and the claim's verdict (supported: every judged party supported; contradicted: every judged
-- party contradicted; partly supported: some of each, or sources disagree; no data: no party
-- judged) with the counts. Rows of the same claim repeat the claim's verdict.
with

checks as (
    select * from out__claims_check
),

countries as (
    select * from core__countries
),

parties as (
    select
        claim_id,
        role,
        country_code,
        -- a region party has one row, whose rule names the region
        case
            when country_code is null then regexp_extract(rule, 'names a region \((.*)\), not', 1)
        end as region_label,
        count(*) filter (where verdict = 'supported') as sources_supporting,
        count(*) filter (where verdict = 'contradicted') as sources_contradicting,
        count(*) filter (where verdict = 'no data') as sources_without_data,
        string_agg(
            verdict || ' — ' || rule, chr(10) order by verdict desc, source_id, year
        ) as figures
    from checks
    group by claim_id, role, country_code, region_label
),

party_verdicts as (
    select
        *,
        case
            when sources_supporting > 0 and sources_contradicting > 0 then 'sources disagree'
            when sources_supporting > 0 then 'supported'
            when sources_contradicting > 0 then 'contradicted'
            else 'no data'
        end as party_verdict
    from parties
),

claim_verdicts as (
    select
        claim_id,
        count(*) filter (where party_verdict = 'supported') as parties_supported,
        count(*) filter (where party_verdict = 'contradicted') as parties_contradicted,
        count(*) filter (where party_verdict = 'sources disagree') as parties_disagreeing,
        count(*) filter (where party_verdict = 'no data') as parties_without_data
    from party_verdicts
    group by claim_id
),

final as (
    select
        party_verdicts.claim_id,
        party_verdicts.role,
        party_verdicts.country_code,
        coalesce(countries.name, party_verdicts.region_label) as party_name,
        countries.country_code is not null as is_drawn,
        countries.lon,
        countries.lat,
        party_verdicts.party_verdict,
        party_verdicts.sources_supporting,
        party_verdicts.sources_contradicting,
        party_verdicts.sources_without_data,
        party_verdicts.figures,
        case
            when claim_verdicts.parties_disagreeing > 0
                or (claim_verdicts.parties_supported > 0 and claim_verdicts.parties_contradicted > 0)
                then 'partly supported'
            when claim_verdicts.parties_supported > 0 then 'supported'
            when claim_verdicts.parties_contradicted > 0 then 'contradicted'
            else 'no data'
        end as claim_verdict,
        claim_verdicts.parties_supported,
        claim_verdicts.parties_contradicted,
        claim_verdicts.parties_disagreeing,
        claim_verdicts.parties_without_data
    from party_verdicts
    inner join claim_verdicts on party_verdicts.claim_id = claim_verdicts.claim_id
    left join countries on party_verdicts.country_code = countries.country_code
)

select * from final
order by claim_id, role, country_code nulls last, party_name
