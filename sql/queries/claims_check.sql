-- Do the data support what the seed documents claim about who buys and who sells? Each country a
-- claim names, against every source that ranks that side: supported (certainly in the top 10),
-- contradicted (certainly not), or no data; the rule column says the source, period and figure.
select
    checks.claim_id,
    checks.role,
    coalesce(countries.name, '(region)') as country,
    checks.verdict,
    checks.source_id,
    checks.year,
    checks.rank,
    checks.rule
from out__claims_check as checks
left join core__countries as countries on checks.country_code = countries.country_code
order by
    cast(substr(checks.claim_id, 2) as integer) nulls last,
    checks.claim_id,
    checks.role,
    country,
    checks.verdict,
    checks.source_id,
    checks.year
