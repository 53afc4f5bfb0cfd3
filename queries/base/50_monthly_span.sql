-- The monthly cube, in the files 50_ to 57_ (one view each, in the order they read each other):
-- every course figure per month and group, so that a question about whole months reads a table
-- whose size depends on the groups and months, not on the number of courses
-- (queries/kpis_monthly.sql; README, "Performance"). Built from courses and counting_placements,
-- so it holds the same definitions; ipsdash/extract/data.py keeps it as tables (prepared.py as Parquet).
--
-- A month is numbered by month_number (00_macros.sql). A group is the four columns a question
-- filters by (municipality, grant, target group, variant), and `breakdown` says which of the two
-- columns a question may only group by is kept as well: 'none' (age_band and sex null), 'age_band'
-- or 'sex'. So the rows a question reads are those of its own breakdown, a few per group and month.
-- For whole months every definition of the contract depends only on the months of a course's days
-- (kpis_monthly.sql says why), except the waiting days and days to first placement, which are kept
-- as counts per day count.
--
-- View monthly_span, one row: the days and months the data lie in. first_day and last_day: the
-- first referral and the newest day of any course or counting placement; kpis_monthly.sql answers
-- a period from the cube only when no such day lies in the part of its first or last month outside
-- the period (ipsdash/figures/kpis.py, `_in_whole_months`). The cube's months run from first_month
-- to last_month: the newest month of the data or of its postings (the extract's date may be a
-- posting's), at most a year past the courses.
create or replace view monthly_span as
with

days as (
    select
        min(referral_date) as first_day,
        greatest(
            max(greatest(referral_date, coalesce(enrollment_date, referral_date), coalesce(exit_date, referral_date))),
            (select max(start_date) from counting_placements)
        ) as last_day
    from courses
)

select
    first_day,
    last_day,
    month_number(first_day) as first_month,
    least(
        greatest(month_number(last_day), coalesce((select month_number(max(posting_date)) from expenditures), 0)),
        month_number(last_day) + 12
    ) as last_month
from days;
