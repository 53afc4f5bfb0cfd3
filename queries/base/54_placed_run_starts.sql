-- View placed_run_starts: one row per breakdown, group, kind, start month and previous end month,
-- with how many runs of placed months (placed_month_runs) start there and their cell key (run_keys).
-- kpis_monthly.sql counts from it the courses placed in a period after its first month
-- (contract, "Placement rate in [a, b]").
--
-- The starts of runs of placed months (placed_month_runs), counted by breakdown, group, kind, month
-- and the month the course's run before ended in (null: its first run).
create or replace view placed_run_starts as
select
    case when grouping(age_band) = 0 then 'age_band' when grouping(sex) = 0 then 'sex' else 'none' end as breakdown,
    municipality_code,
    grant_id,
    target_group,
    variant,
    age_band,
    sex,
    kind,
    start_month,
    previous_end_month,
    count(*) as runs,
    cast(sum(record_key) % 256 as smallint) as run_keys
from placed_month_runs
group by grouping sets (
    (municipality_code, grant_id, target_group, variant, kind, start_month, previous_end_month),
    (municipality_code, grant_id, target_group, variant, age_band, kind, start_month, previous_end_month),
    (municipality_code, grant_id, target_group, variant, sex, kind, start_month, previous_end_month)
);
