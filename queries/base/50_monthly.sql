-- The monthly cube: every course figure per month and group, so that a question about whole months
-- reads a table whose size depends on the groups and months, not on the number of courses
-- (queries/kpis_monthly.sql; README, "Performance"). Built from courses and counting_placements,
-- so it holds the same definitions; ipsdash/data.py keeps it as tables (prepared.py as Parquet).
--
-- A month is numbered year * 12 + month - 1. A group is the four columns a question filters by
-- (municipality, grant, target group, variant), and `breakdown` says which of the two columns a
-- question may only group by is kept as well: 'none' (age_band and sex null), 'age_band' or 'sex'.
-- So the rows a question reads are those of its own breakdown, a few per group and month. For
-- whole months every definition of the contract depends only on the months of a
-- course's days (kpis_monthly.sql says why), except the waiting days and days to first placement,
-- which are kept as counts per day count.

create or replace macro month_number(d) as year(d) * 12 + month(d) - 1;

-- The days and months the data lie in. first_day and last_day: the first referral and the newest
-- day of any course or counting placement; kpis_monthly.sql answers a period from the cube only
-- when no such day lies in the part of its first or last month outside the period
-- (ipsdash/kpis.py, `_in_whole_months`). The cube's months run from first_month to last_month:
-- the newest month of the data or of its postings (the extract's date may be a posting's), at
-- most a year past the courses.
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

-- One row per course with the months of its days.
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
    first_placement_date - enrollment_date as days_to_first_placement
from courses;

-- The months each course is placed, as runs of months, per kind ('job', 'uddannelse') and for
-- either ('any'). A counting placement makes its course placed in every month from the one it
-- starts in to the one it ends in or the course exits in, whichever is earlier (1000000: open).
-- Runs that touch or follow each other without a month between them are one run;
-- previous_end_month is the end of the course's run of the kind before (null for the first).
create or replace view placed_month_runs as
with

-- Each counting placement once for its own kind and once for 'any'.
spans as (
    select
        participant_id,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([kind, 'any']) as kind,
        month_number(start_date) as start_month,
        least(coalesce(month_number(end_date), 1000000), coalesce(month_number(exit_date), 1000000)) as end_month
    from counting_placements
),

-- How far the course's spans of the kind that start in an earlier month reach; a span that starts
-- more than a month after that begins a new run. Both windows frame by start month (range), never
-- by row: spans that start in the same month are in one run whatever order they are read in (a
-- row frame over tied spans, two placements with the same months, numbered them in an order of
-- the engine's choosing, split the course into two runs and counted it twice as placed).
reached as (
    select
        *,
        max(end_month) over (
            partition by participant_id, kind
            order by start_month
            range between unbounded preceding and 1 preceding
        ) as reached
    from spans
),

-- Spans with the same start month share `reached` and so the run number: the numbers of a course's
-- runs grow with their start but need not be consecutive.
numbered as (
    select
        *,
        sum(case when reached is null or start_month > reached + 1 then 1 else 0 end) over (
            partition by participant_id, kind
            order by start_month
            range between unbounded preceding and current row
        ) as run_number
    from reached
)

select
    participant_id,
    any_value(municipality_code) as municipality_code,
    any_value(grant_id) as grant_id,
    any_value(target_group) as target_group,
    any_value(variant) as variant,
    any_value(age_band) as age_band,
    any_value(sex) as sex,
    kind,
    min(start_month) as start_month,
    max(end_month) as end_month,
    max(reached) filter (where reached is null or start_month > reached + 1) as previous_end_month
from numbered
group by participant_id, kind, run_number;

-- One row per group and month of monthly_span: the flows of the month (referrals, enrollments,
-- exits, job_starts: first counting placements) and the stocks at its end (waiting, active) or in
-- it (placed_any, placed_job, placed_uddannelse: courses placed in the month as a period of its
-- own). A stock is the running sum of +1 where a course starts to count and -1 where it stops.
create or replace view monthly_figures as
with

changes as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([
            referral_month,
            enrollment_month,
            exit_month,
            first_placement_month,
            referral_month,
            waiting_end_month,
            enrollment_month,
            case when enrollment_month is not null then exit_month end
        ]) as month,
        unnest(['referrals', 'enrollments', 'exits', 'job_starts', 'waiting', 'waiting', 'active', 'active']) as figure,
        unnest([1, 1, 1, 1, 1, -1, 1, -1]) as change
    from course_months
    union all
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([start_month, end_month + 1]) as month,
        'placed_' || kind as figure,
        unnest([1, -1]) as change
    from placed_month_runs
),

-- The changes of each month, summed per group of each breakdown.
by_month as (
    select
        case when grouping(age_band) = 0 then 'age_band' when grouping(sex) = 0 then 'sex' else 'none' end
            as breakdown,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        month,
        sum(change) filter (where figure = 'referrals') as referrals,
        sum(change) filter (where figure = 'enrollments') as enrollments,
        sum(change) filter (where figure = 'exits') as exits,
        sum(change) filter (where figure = 'job_starts') as job_starts,
        sum(change) filter (where figure = 'waiting') as waiting_change,
        sum(change) filter (where figure = 'active') as active_change,
        sum(change) filter (where figure = 'placed_any') as placed_any_change,
        sum(change) filter (where figure = 'placed_job') as placed_job_change,
        sum(change) filter (where figure = 'placed_uddannelse') as placed_uddannelse_change
    from changes
    where month is not null
    group by grouping sets (
        (municipality_code, grant_id, target_group, variant, month),
        (municipality_code, grant_id, target_group, variant, age_band, month),
        (municipality_code, grant_id, target_group, variant, sex, month)
    )
),

-- Every group that has a course, in every month of the span, so a stock can be read in any month.
grid as (
    select
        groups.*,
        unnest(generate_series(monthly_span.first_month, monthly_span.last_month)) as month
    from (
        select distinct
            breakdown,
            municipality_code,
            grant_id,
            target_group,
            variant,
            age_band,
            sex
        from by_month
    ) as groups
    cross join monthly_span
),

final as (
    select
        grid.breakdown as breakdown,
        grid.municipality_code as municipality_code,
        grid.grant_id as grant_id,
        grid.target_group as target_group,
        grid.variant as variant,
        grid.age_band as age_band,
        grid.sex as sex,
        grid.month as month,
        coalesce(by_month.referrals, 0) as referrals,
        coalesce(by_month.enrollments, 0) as enrollments,
        coalesce(by_month.exits, 0) as exits,
        coalesce(by_month.job_starts, 0) as job_starts,
        sum(coalesce(by_month.waiting_change, 0)) over in_order as waiting,
        sum(coalesce(by_month.active_change, 0)) over in_order as active,
        sum(coalesce(by_month.placed_any_change, 0)) over in_order as placed_any,
        sum(coalesce(by_month.placed_job_change, 0)) over in_order as placed_job,
        sum(coalesce(by_month.placed_uddannelse_change, 0)) over in_order as placed_uddannelse
    from grid
    left join by_month
        on
            grid.breakdown = by_month.breakdown
            and grid.municipality_code is not distinct from by_month.municipality_code
            and grid.grant_id is not distinct from by_month.grant_id
            and grid.target_group is not distinct from by_month.target_group
            and grid.variant is not distinct from by_month.variant
            and grid.age_band is not distinct from by_month.age_band
            and grid.sex is not distinct from by_month.sex
            and grid.month = by_month.month
    window in_order as (
        partition by
            grid.breakdown,
            grid.municipality_code,
            grid.grant_id,
            grid.target_group,
            grid.variant,
            grid.age_band,
            grid.sex
        order by grid.month
        rows between unbounded preceding and current row
    )
)

select * from final;

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
    count(*) as runs
from placed_month_runs
group by grouping sets (
    (municipality_code, grant_id, target_group, variant, kind, start_month, previous_end_month),
    (municipality_code, grant_id, target_group, variant, age_band, kind, start_month, previous_end_month),
    (municipality_code, grant_id, target_group, variant, sex, kind, start_month, previous_end_month)
);

-- Waiting days of the courses enrolled in each month, and days to the first placement of the
-- courses whose first counting placement starts in it: how many courses had each day count, by
-- breakdown and group. The day counts are nearly one row per course, so they are kept once more
-- summed over the group columns a question does not need: `level` names the group columns kept
-- (the others null): 'all' (municipality, grant, target group and variant), 'municipality',
-- 'target_group' or 'variant' (these two for the breakdown 'none' only) or 'region' (none of
-- them). A question reads the level with the fewest rows that holds its filters and its grouping
-- (ipsdash/kpis.py, `_level`): the whole region reads a quarter of the rows of its
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

create or replace view monthly_summed_days as
select
    case when grouping(target_group) = 0 then 'target_group' else 'variant' end as level,
    'none' as breakdown,
    cast(null as integer) as municipality_code,
    cast(null as varchar) as grant_id,
    target_group,
    variant,
    cast(null as varchar) as age_band,
    cast(null as varchar) as sex,
    figure,
    month,
    days,
    cast(sum(courses) as bigint) as courses
from monthly_group_days
where level = 'all' and breakdown = 'none'
group by grouping sets ((target_group, figure, month, days), (variant, figure, month, days))
union all
select
    'region' as level,
    breakdown,
    cast(null as integer) as municipality_code,
    cast(null as varchar) as grant_id,
    cast(null as varchar) as target_group,
    cast(null as varchar) as variant,
    age_band,
    sex,
    figure,
    month,
    days,
    cast(sum(courses) as bigint) as courses
from monthly_group_days
where level = 'municipality'
group by breakdown, age_band, sex, figure, month, days;

create or replace view monthly_days as
select * from monthly_group_days
union all
select * from monthly_summed_days;
