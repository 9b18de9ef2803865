-- Every party of every claim, countries and regions alike, for the claims map's legend and
-- end circles. is_drawn is false for regions and for codes without a label point.
with

claims as (
    select * from core__claims
),

countries as (
    select * from core__countries
),

parties as (
    select distinct
        claims.claim_id,
        claims.role,
        claims.country_code,
        claims.region_label
    from claims
),

final as (
    select
        parties.claim_id,
        parties.role,
        parties.country_code,
        coalesce(countries.name, parties.region_label, parties.country_code) as party_name,
        countries.lon,
        countries.lat,
        countries.country_code is not null as is_drawn
    from parties
    left join countries on parties.country_code = countries.country_code
)

select * from final
order by claim_id, role, is_drawn desc, party_name
