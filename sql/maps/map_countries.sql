-- Every country with its name and label point: the circles, labels and tooltips of the maps.
select country_code, name, lon, lat
from core__countries
where lon is not null and lat is not null
order by country_code
