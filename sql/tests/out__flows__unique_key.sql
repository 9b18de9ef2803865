-- out__flows has one row per source × platform × year × period × occupation × country pair.
select
    source_id, platform, year, period_label, occupation,
    buyer_country_code, seller_country_code,
    count(*) as n_rows
from out__flows
group by all
having count(*) > 1
