-- Each grouping scheme has a row (North, South or explicitly unclassified) for every country.
select schemes.scheme, core__countries.country_code
from core__countries
cross join (select distinct scheme from core__country_groups) as schemes
left join core__country_groups as groups
    on groups.country_code = core__countries.country_code
    and groups.scheme = schemes.scheme
where groups.country_code is null
