-- View course_months: one row per course (the view courses) with the months (month_number) of its
-- referral, enrollment, exit, end of waiting and first counting placement, and its waiting days and
-- days to first placement. Contract, "Definitions": Waiting on d, Waiting days, Job starts, Days to
-- first placement.
create or replace view course_months as
select
    municipality_code,
    grant_id,
    target_group,
    variant,
    age_band,
    sex,
    month_number(referral_date) as referral_month,
    month_number(enrollment_date) as enrollment_month,
    month_number(exit_date) as exit_month,
    -- Waiting ends at enrollment or exit, whichever comes first (least skips a null).
    month_number(least(enrollment_date, exit_date)) as waiting_end_month,
    month_number(first_placement_date) as first_placement_month,
    enrollment_date - referral_date as waiting_days,
    first_placement_date - enrollment_date as days_to_first_placement,
    record_key
from courses;
