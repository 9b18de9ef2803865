-- Links of the claims map: every buyer country × seller country pair named in the same claim.
-- Parties that are regions ("Central America") have no country code and are not drawn; they
-- are listed by claim_parties.sql.
with

claims as (
    select * from core__claims
),

countries as (
    select * from core__countries
),

sources as (
    select * from core__sources
),

buyers as (
    select distinct claim_id, country_code
    from claims
    where role = 'buyer' and country_code is not null
),

sellers as (
    select distinct claim_id, country_code
    from claims
    where role = 'seller' and country_code is not null
),

claim_text as (
    select
        claim_id,
        min(source_id) as source_id,
        min(statement) as statement,
        min(quote) as quote,
        string_agg(distinct platform, ', ' order by platform) as platform,
        string_agg(distinct seed_file, ', ' order by seed_file) as seed_file,
        string_agg(distinct cited_study, '; ' order by cited_study) as cited_study
    from claims
    group by claim_id
),

pairs as (
    select
        buyers.claim_id,
        buyers.country_code as buyer_country_code,
        sellers.country_code as seller_country_code
    from buyers
    inner join sellers
        on buyers.claim_id = sellers.claim_id
        and buyers.country_code <> sellers.country_code
),

final as (
    select
        pairs.claim_id,
        pairs.buyer_country_code,
        buyer.name as buyer_name,
        buyer.lon as buyer_lon,
        buyer.lat as buyer_lat,
        pairs.seller_country_code,
        seller.name as seller_name,
        seller.lon as seller_lon,
        seller.lat as seller_lat,
        claim_text.source_id,
        claim_text.statement,
        claim_text.quote,
        claim_text.platform,
        claim_text.seed_file,
        claim_text.cited_study,
        sources.citation as source_citation
    from pairs
    inner join countries as buyer on pairs.buyer_country_code = buyer.country_code
    inner join countries as seller on pairs.seller_country_code = seller.country_code
    inner join claim_text on pairs.claim_id = claim_text.claim_id
    left join sources on claim_text.source_id = sources.source_id
)

select * from final
order by claim_id, buyer_country_code, seller_country_code
