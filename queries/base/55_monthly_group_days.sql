-- View monthly_group_days: one row per level ('all', 'municipality'), breakdown, group, figure
-- ('waiting_days', 'days_to_first_placement'), month and day count, with how many courses had it.
-- Contract, "Waiting days" and "Days to first placement" (their medians and 90th percentile).
--
-- Waiting days of the courses enrolled in each month, and days to the first placement of the
-- courses whose first counting placement starts in it: how many courses had each day count, by
-- breakdown and group. The day counts are nearly one row per course, so they are kept once more
-- summed over the group columns a question does not need: `level` names the group columns kept
-- (the others null): 'all' (municipality, grant, target group and variant), 'municipality',
-- 'target_group' or 'variant' (these two for the breakdown 'none' only) or 'region' (none of
-- them). A question reads the level with the fewest rows that holds its filters and its grouping
-- (ipsdash/figures/kpis.py, `_level`): the whole region reads a quarter of the rows of its
-- municipalities' counts at 1M, and a tenth of those of every group.
--
-- monthly_group_days holds the levels 'all' and 'municipality', counted from the courses;
-- monthly_summed_days the others, summed from those counts (far fewer rows than courses: as
-- grouping sets of the courses, they made the build at 20M courses run out of its memory).
create or replace view monthly_group_days as
with

days as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        'waiting_days' as figure,
        enrollment_month as month,
        waiting_days as days
    from course_months
    where enrollment_month is not null
    union all
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        'days_to_first_placement' as figure,
        first_placement_month as month,
        days_to_first_placement as days
    from course_months
    where first_placement_month is not null
)

select
    case when grouping(grant_id) = 0 then 'all' else 'municipality' end as level,
    case when grouping(age_band) = 0 then 'age_band' when grouping(sex) = 0 then 'sex' else 'none' end as breakdown,
    municipality_code,
    grant_id,
    target_group,
    variant,
    age_band,
    sex,
    figure,
    month,
    days,
    count(*) as courses
from days
group by grouping sets (
    (municipality_code, grant_id, target_group, variant, figure, month, days),
    (municipality_code, grant_id, target_group, variant, age_band, figure, month, days),
    (municipality_code, grant_id, target_group, variant, sex, figure, month, days),
    (municipality_code, figure, month, days),
    (municipality_code, age_band, figure, month, days),
    (municipality_code, sex, figure, month, days)
);
