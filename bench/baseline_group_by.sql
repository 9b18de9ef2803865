-- The baseline a flow build is compared with: one plain aggregation over the same tasks.
select buyer_country_code, seller_country_code, count(*) as tasks, sum(price_usd) as value_usd
from core__tasks
group by all
