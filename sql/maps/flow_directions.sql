-- The direction of the work of every cross-border pair of out__flows under every North/South
-- scheme, by the macro work_direction: the only place the rule is written. The flow map, its
-- print version and the page's JavaScript read these rows; none of them derives a direction.
-- A country that a scheme leaves out or unclassified makes the pair 'unclassified'.
with

flows as (
    select * from out__flows
),

country_groups as (
    select * from core__country_groups
),

schemes as (
    select distinct scheme from country_groups
),

pairs as (
    select distinct seller_country_code, buyer_country_code
    from flows
    where seller_country_code <> buyer_country_code
),

final as (
    select
        schemes.scheme,
        pairs.seller_country_code,
        pairs.buyer_country_code,
        work_direction(seller_groups.is_north, buyer_groups.is_north) as direction
    from schemes
    cross join pairs
    left join country_groups as seller_groups
        on schemes.scheme = seller_groups.scheme
        and pairs.seller_country_code = seller_groups.country_code
    left join country_groups as buyer_groups
        on schemes.scheme = buyer_groups.scheme
        and pairs.buyer_country_code = buyer_groups.country_code
)

select * from final
order by scheme, seller_country_code, buyer_country_code
