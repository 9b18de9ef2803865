-- Every verdict on a claim's party comes from a source of the market the claim is about: a
-- figure of another market (or of a source that declares none) may only be context.
select claim_id, role, country_code, region_label, source_id, source_market, market, verdict
from out__claims_check
where
    source_id is not null
    and verdict <> 'context'
    and (source_market is null or source_market <> market)
