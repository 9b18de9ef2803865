-- A tally names the side(s) its role says, or a region instead: a buyer share with a seller
-- country (or a pair with one side missing) would be counted in the wrong place.
select source_id, location, role, buyer_country_code, seller_country_code, region_label
from core__tallies
where
    (role = 'buyer' and (seller_country_code is not null
        or (buyer_country_code is null and region_label is null)))
    or (role = 'seller' and (buyer_country_code is not null
        or (seller_country_code is null and region_label is null)))
    or (role = 'pair' and region_label is null
        and (buyer_country_code is null or seller_country_code is null))
