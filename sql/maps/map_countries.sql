-- Every country with its name and label point: the circles, labels and tooltips of the maps;
-- its UN M49 sub-region decides which way its flows go round the world (curves.py).
select country_code, name, lon, lat, subregion
from core__countries
where lon is not null and lat is not null
order by country_code
