-- The seed documents' claims: who is said to buy, who is said to do the work, in which market,
-- and what the claim says of each (leading, present, anecdote).
select
    claims.claim_id,
    claims.role,
    coalesce(countries.name, claims.region_label) as place,
    claims.market,
    claims.proposition,
    claims.proposition_words,
    claims.platform,
    claims.seed_file,
    claims.cited_study
from core__claims as claims
left join core__countries as countries on claims.country_code = countries.country_code
order by claims.claim_id, claims.role, place
