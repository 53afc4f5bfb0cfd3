-- The grants of the extract, one row per grant: id, funder, title, amount and period.
select
    grant_id,
    funder,
    title,
    amount_dkk,
    start_date,
    end_date
from grants
order by start_date, grant_id
