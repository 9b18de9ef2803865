-- out__flows_by_direction by hand, over plain_flows.
create or replace table plain_directions as
select
    buyer.scheme,
    plain_flows.source_id,
    plain_flows.year,
    work_direction(seller.is_north, buyer.is_north) as direction,
    sum(plain_flows.tasks) as tasks,
    100 * sum(plain_flows.tasks)
    / sum(sum(plain_flows.tasks)) over (
        partition by buyer.scheme, plain_flows.source_id, plain_flows.year
    ) as share_pct,
    plain_flows.method,
    plain_flows.unit
from plain_flows
inner join core__country_groups as buyer
    on plain_flows.buyer_country_code = buyer.country_code
inner join core__country_groups as seller
    on plain_flows.seller_country_code = seller.country_code
    and buyer.scheme = seller.scheme
group by
    buyer.scheme,
    plain_flows.source_id,
    plain_flows.year,
    work_direction(seller.is_north, buyer.is_north),
    plain_flows.method,
    plain_flows.unit
