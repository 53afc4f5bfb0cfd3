-- The municipalities of the extract, one row per municipality: code, name, region, IPS start
-- (null = planned), ordered by name.
select
    municipality_code,
    name,
    region,
    ips_start
from municipalities
order by name
