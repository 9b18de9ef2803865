-- Do the data support what the seed documents claim about who buys and who sells, judged on
-- what each claim says? Each party a claim names, with the market the claim is about and what
-- it says of the party (leading, present, anecdote), against every set of that market's
-- sources: the verdict of each set, the party's verdict (one vote per family of sources) and
-- the claim's, with the source, its market and family, the rank and share, and the rule in
-- words. Rows marked 'context' are figures of other markets, shown beside the claim, never a
-- verdict.
select
    checks.claim_id,
    checks.claim_verdict,
    checks.role,
    coalesce(countries.name, checks.region_label) as party,
    checks.market,
    checks.proposition,
    checks.party_verdict,
    checks.verdict,
    checks.source_id,
    checks.source_market,
    checks.family,
    checks.year,
    checks.rank,
    round(checks.share_pct, 3) as share_pct,
    checks.rule
from out__claims_check as checks
left join core__countries as countries on checks.country_code = countries.country_code
order by
    cast(substr(checks.claim_id, 2) as integer) nulls last,
    checks.claim_id,
    checks.role,
    party,
    checks.verdict = 'context',
    checks.verdict,
    checks.source_id,
    checks.year
