-- Which published employer shares were paired with which worker shares to estimate flows.
select * from out__marginal_pairs
order by source_id, buyer_period_start
