-- What do the sources say about one country? make query Q=country_profile COUNTRY=PHL (a code
-- or an English name): its share and rank among buyers and sellers in every source, the work
-- it buys, sells and does at home in the flows, its largest partners, and the claims naming it.
with

country as (
    select country_code, name
    from core__countries
    where
        country_code = upper(trim($country))
        or iso2 = upper(trim($country))
        or lower(name) = lower(trim($country))
),

shares as (
    select
        'share among ' || shares.role || 's' as section,
        shares.source_id,
        shares.year,
        shares.platform || ', ' || shares.basis as detail,
        round(shares.share_pct, 2) as figure,
        case when shares.share_pct is null then null else '%' end as unit,
        shares.rank,
        shares.listed as out_of
    from out__country_shares as shares
    inner join country on shares.country_code = country.country_code
),

partners as (
    select
        case
            when flows.buyer_country_code = country.country_code
                and flows.seller_country_code = country.country_code
                then 'work done at home'
            when flows.buyer_country_code = country.country_code then 'work bought from'
            else 'work sold to'
        end as section,
        flows.source_id,
        flows.year,
        partner.name || ' (' || flows.method || ')' as detail,
        round(sum(flows.tasks), 2) as figure,
        any_value(flows.unit) as unit,
        null::bigint as rank,
        null::bigint as out_of
    from out__flows as flows
    cross join country
    inner join core__countries as partner
        on partner.country_code = case
            when flows.buyer_country_code = country.country_code then flows.seller_country_code
            else flows.buyer_country_code
        end
    where country.country_code in (flows.buyer_country_code, flows.seller_country_code)
    group by all
),

top_partners as (
    select *
    from partners
    qualify row_number() over (partition by section, source_id, year order by figure desc) <= 5
),

claims as (
    select
        'named as ' || claims.role || ' in claim ' || claims.claim_id as section,
        claims.source_id,
        null::integer as year,
        claims.statement as detail,
        null::double as figure,
        null::varchar as unit,
        null::bigint as rank,
        null::bigint as out_of
    from core__claims as claims
    inner join country on claims.country_code = country.country_code
),

final as (
    select * from shares
    union all
    select * from top_partners
    union all
    select * from claims
)

select country.name as country, final.*
from final
cross join country
order by section like 'named as%', section, source_id, year, figure desc nulls last, detail
