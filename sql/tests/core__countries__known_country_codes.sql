-- Every country code used anywhere is a known country.
with

used as (
    select 'core__tasks.buyer_country_code' as used_in, buyer_country_code as code from core__tasks
    union all
    select 'core__tasks.seller_country_code', seller_country_code from core__tasks
    union all
    select 'core__tallies.buyer_country_code', buyer_country_code from core__tallies
    union all
    select 'core__tallies.seller_country_code', seller_country_code from core__tallies
    union all
    select 'core__claims.country_code', country_code from core__claims
    union all
    select 'core__country_groups.country_code', country_code from core__country_groups
    union all
    select 'out__flows.buyer_country_code', buyer_country_code from out__flows
    union all
    select 'out__flows.seller_country_code', seller_country_code from out__flows
),

final as (
    select used.used_in, used.code, count(*) as n_rows
    from used
    left join core__countries on used.code = core__countries.country_code
    where used.code is not null and core__countries.country_code is null
    group by all
)

select * from final
