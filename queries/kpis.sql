-- The contract's course KPIs for the period [$from, $to], one row per group.
--
-- $by chooses the groups: 'none' (one row), 'municipality' (every municipality in the
-- extract, zeros where it has no courses), 'grant' (every grant, and null for courses with
-- no grant), 'target_group', 'variant', 'age_band', 'sex' (every value of the contract, and
-- null for courses where it is missing). $grain cuts the period: 'whole' (one row per group),
-- 'month' or 'quarter' (a row per group and month or quarter that touches the period; each
-- row's figures are for that month or quarter clipped to [$from, $to], so its period end b is
-- the clipped end).
-- Filters: $municipalities (integer list, empty = all), $grants (text list, empty = all),
-- $target_group and $variant (null = all).
--
-- Definitions (data-contract.md, "Definitions"): referrals/enrollments/exits in [a, b];
-- waiting on b; active on b; active in [a, b]; placed = active in [a, b] with a counting
-- placement overlapping [a, b] (also by kind); job starts = first counting placement in
-- [a, b]; waiting days over enrollments in [a, b]; days to first placement over job starts.
-- Counts behind medians (*_n) are returned for the small-number rule. Every count has its cell
-- key beside it (<count>_key): the sum of its courses' record keys modulo 256, carried exactly as
-- the count is (README, "Small numbers"; ipsdash/figures/privacy.py).
--
-- How, for speed (README, "Performance"): each course is read once, from courses, and placed
-- courses from placed_spans (both prepared copies on large extracts, so nothing is joined here).
-- Each day becomes the index of the period it falls in (the period_index macro). A flow
-- (referrals, ...) counts in the period of its day; a stock (waiting, active, active in period,
-- placed) holds over a run of periods, so a course adds +1 where its run starts and -1 after it
-- ends, and the stock is the running sum. A two-year monthly trend so costs about what one period
-- does, not 24 times as much. tests/test_reference.py checks every figure against a naive reading.
with

-- The span cut into periods, and the grain period_index cuts it by.
span as (
    select
        cast($from as date) as first_day,
        cast($to as date) as last_day,
        $grain as grain
),

periods as (
    select
        cast(month_start as date) as period_start,
        greatest(cast(month_start as date), span.first_day) as period_from,
        least(
            cast(month_start + to_months(case when span.grain = 'quarter' then 3 else 1 end) - interval 1 day as date),
            span.last_day
        ) as period_to,
        period_index(greatest(cast(month_start as date), span.first_day), $from, $to, $grain)
            as period_index
    from span
    cross join (
        select
            unnest(generate_series(
                date_trunc(case when $grain = 'quarter' then 'quarter' else 'month' end, cast($from as date)),
                cast($to as date),
                to_months(case when $grain = 'quarter' then 3 else 1 end)
            )) as month_start
    )
    where span.grain in ('month', 'quarter')
    union all
    select
        cast(null as date) as period_start,
        span.first_day as period_from,
        span.last_day as period_to,
        0 as period_index
    from span
    where span.grain = 'whole'
),

-- A course referred after $to, or ended before $from, counts in no figure of any period.
selected as (
    select *
    from courses
    where
        referral_date <= cast($to as date)
        and (exit_date is null or exit_date >= cast($from as date))
        and is_chosen(
            municipality_code, grant_id, target_group, variant,
            $municipalities, $grants, $target_group, $variant
        )
),

-- Every group that gets a row, figures or not.
groups as (
    select * exclude (group_by)
    from kpi_groups($municipalities, $grants)
    where group_by = $by
),

-- Each course once: only the group key chosen by $by is kept (the others are null, so one query
-- serves all), and each day becomes the index of its period (-1 before $from, large after $to).
course_events as (
    select
        group_key($by, 'municipality', selected.municipality_code) as municipality_code,
        group_key($by, 'grant', selected.grant_id) as grant_id,
        group_key($by, 'target_group', selected.target_group) as target_group,
        group_key($by, 'variant', selected.variant) as variant,
        group_key($by, 'age_band', selected.age_band) as age_band,
        group_key($by, 'sex', selected.sex) as sex,
        period_index(selected.referral_date, $from, $to, $grain) as referral_index,
        period_index(selected.enrollment_date, $from, $to, $grain) as enrollment_index,
        period_index(selected.exit_date, $from, $to, $grain) as exit_index,
        -- Waiting ends at enrollment or exit, whichever comes first (least and greatest skip nulls).
        period_index(
            least(selected.enrollment_date, selected.exit_date), $from, $to, $grain
        ) as waiting_end_index,
        period_index(selected.first_placement_date, $from, $to, $grain)
            as first_placement_index,
        selected.enrollment_date - selected.referral_date as waiting_days,
        selected.first_placement_date - selected.enrollment_date as days_to_first_placement,
        selected.record_key as record_key
    from selected
),

-- Courses with the same group and the same period indexes count alike: counted once here, the
-- changes below work on a few thousand rows whatever the number of courses.
cohorts as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        referral_index,
        enrollment_index,
        exit_index,
        waiting_end_index,
        first_placement_index,
        count(*) as courses,
        sum(record_key) as record_keys
    from course_events
    group by all
),

-- The runs of periods in which a course is placed (by kind, and 'any'): from the period of the
-- run's start (start <= b) to the period of its end (end >= a) or of the course's exit (active in
-- [a, b]), whichever is earlier. A counting placement starts on or after enrollment, so the
-- course is enrolled by b in every period of a run. Runs of one course and kind are disjoint in
-- days and in order, so only the period where the one before ended can be counted twice: a run
-- starts after it.
placed_runs as (
    select
        group_key($by, 'municipality', placed_spans.municipality_code) as municipality_code,
        group_key($by, 'grant', placed_spans.grant_id) as grant_id,
        group_key($by, 'target_group', placed_spans.target_group) as target_group,
        group_key($by, 'variant', placed_spans.variant) as variant,
        group_key($by, 'age_band', placed_spans.age_band) as age_band,
        group_key($by, 'sex', placed_spans.sex) as sex,
        placed_spans.kind as kind,
        greatest(
            period_index(placed_spans.start_date, $from, $to, $grain),
            0,
            case
                when placed_spans.previous_end is not null then least(
                    period_index(placed_spans.previous_end, $from, $to, $grain),
                    coalesce(period_index(placed_spans.exit_date, $from, $to, $grain), after_every_period())
                ) + 1
            end
        ) as first_index,
        least(
            coalesce(period_index(placed_spans.end_date, $from, $to, $grain), after_every_period()),
            coalesce(period_index(placed_spans.exit_date, $from, $to, $grain), after_every_period())
        ) as last_index,
        placed_spans.record_key as record_key
    from placed_spans
    -- The same courses as selected; a run that starts after $to or ends before $from is in no period.
    where
        placed_spans.start_date <= cast($to as date)
        and (placed_spans.end_date is null or placed_spans.end_date >= cast($from as date))
        and (placed_spans.exit_date is null or placed_spans.exit_date >= cast($from as date))
        and is_chosen(
            placed_spans.municipality_code, placed_spans.grant_id, placed_spans.target_group, placed_spans.variant,
            $municipalities, $grants, $target_group, $variant
        )
),

-- Runs over the same periods count alike, as cohorts do.
placed_cohorts as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        kind,
        first_index,
        last_index,
        count(*) as runs,
        sum(record_key) as record_keys
    from placed_runs
    where first_index <= last_index
    group by all
),

-- How much each figure changes at each period index: +n where courses start to count, -n after
-- they stop. A flow starts and stops in one period; a stock is summed up in order below. A null
-- index (not enrolled, not exited) is no change.
changes as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([
            referral_index,
            enrollment_index,
            exit_index,
            first_placement_index,
            -- Waiting on b: referred by b, neither enrolled nor exited by b.
            greatest(referral_index, 0),
            case when waiting_end_index is not null then greatest(waiting_end_index, 0) end,
            -- Active on b: enrolled by b, not exited by b.
            case when enrollment_index is not null then greatest(enrollment_index, 0) end,
            case when enrollment_index is not null and exit_index is not null then greatest(exit_index, 0) end,
            -- Active in [a, b]: enrolled by b, not exited before a.
            case when enrollment_index is not null then greatest(enrollment_index, 0) end,
            case when enrollment_index is not null then exit_index + 1 end
        ]) as period_index,
        unnest([
            'referrals',
            'enrollments',
            'exits',
            'job_starts',
            'waiting',
            'waiting',
            'active',
            'active',
            'active_in_period',
            'active_in_period'
        ]) as figure,
        unnest([courses, courses, courses, courses, courses, -courses, courses, -courses, courses, -courses]) as change,
        unnest([
            record_keys,
            record_keys,
            record_keys,
            record_keys,
            record_keys,
            -record_keys,
            record_keys,
            -record_keys,
            record_keys,
            -record_keys
        ]) as key_change
    from cohorts
    union all
    -- Placed in [a, b] (by kind, and 'any'): over the periods of each run.
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([first_index, last_index + 1]),
        placed_figure(kind),
        unnest([runs, -runs]),
        unnest([record_keys, -record_keys])
    from placed_cohorts
),

medians as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        enrollment_index as period_index,
        quantile_cont(waiting_days, 0.5) as waiting_days_median,
        quantile_cont(waiting_days, 0.9) as waiting_days_p90,
        cast(null as double) as days_to_first_placement_median
    from course_events
    where enrollment_index between 0 and after_every_period() - 1
    group by all
    union all
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        first_placement_index,
        null,
        null,
        quantile_cont(days_to_first_placement, 0.5)
    from course_events
    where first_placement_index between 0 and after_every_period() - 1
    group by all
),

grid as (
    select
        groups.*,
        periods.period_start as period_start,
        periods.period_index as period_index
    from groups
    cross join periods
),

-- Each figure per group and period: flows as they are, stocks as the running sum of their changes.
figures as (
    select
        grid.*,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'referrals') as referrals_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'enrollments') as enrollments_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'exits') as exits_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'job_starts') as job_starts_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'waiting') as waiting_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'active') as active_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'active_in_period') as active_in_period_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'placed_any') as placed_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'placed_job') as placed_job_change,
        sum(coalesce(changes.change, 0)) filter (where changes.figure = 'placed_education') as placed_education_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'referrals') as referrals_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'enrollments') as enrollments_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'exits') as exits_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'job_starts') as job_starts_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'waiting') as waiting_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'active') as active_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'active_in_period') as active_in_period_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'placed_any') as placed_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'placed_job') as placed_job_key_change,
        sum(coalesce(changes.key_change, 0)) filter (where changes.figure = 'placed_education') as placed_education_key_change
    from grid
    left join changes
        on
            grid.municipality_code is not distinct from changes.municipality_code
            and grid.grant_id is not distinct from changes.grant_id
            and grid.target_group is not distinct from changes.target_group
            and grid.variant is not distinct from changes.variant
            and grid.age_band is not distinct from changes.age_band
            and grid.sex is not distinct from changes.sex
            and grid.period_index = changes.period_index
    group by all
),

running as (
    select
        figures.*,
        sum(coalesce(waiting_change, 0)) over in_order as waiting,
        sum(coalesce(active_change, 0)) over in_order as active,
        sum(coalesce(active_in_period_change, 0)) over in_order as active_in_period,
        sum(coalesce(placed_change, 0)) over in_order as placed,
        sum(coalesce(placed_job_change, 0)) over in_order as placed_job,
        sum(coalesce(placed_education_change, 0)) over in_order as placed_education,
        sum(coalesce(waiting_key_change, 0)) over in_order as waiting_key,
        sum(coalesce(active_key_change, 0)) over in_order as active_key,
        sum(coalesce(active_in_period_key_change, 0)) over in_order as active_in_period_key,
        sum(coalesce(placed_key_change, 0)) over in_order as placed_key,
        sum(coalesce(placed_job_key_change, 0)) over in_order as placed_job_key,
        sum(coalesce(placed_education_key_change, 0)) over in_order as placed_education_key
    from figures
    window in_order as (
        partition by municipality_code, grant_id, target_group, variant, age_band, sex
        order by period_index
        rows between unbounded preceding and current row
    )
),

final as (
    select
        running.municipality_code as municipality_code,
        municipalities.name as municipality,
        running.grant_id as grant_id,
        running.target_group as target_group,
        running.variant as variant,
        running.age_band as age_band,
        running.sex as sex,
        running.period_start as period_start,
        cast(coalesce(running.referrals_change, 0) as bigint) as referrals,
        cast(coalesce(running.enrollments_change, 0) as bigint) as enrollments,
        cast(coalesce(running.exits_change, 0) as bigint) as exits,
        cast(running.waiting as bigint) as waiting,
        cast(running.active as bigint) as active,
        cast(running.active_in_period as bigint) as active_in_period,
        cast(running.placed as bigint) as placed,
        cast(running.placed_job as bigint) as placed_job,
        cast(running.placed_education as bigint) as placed_education,
        cast(coalesce(running.job_starts_change, 0) as bigint) as job_starts,
        cast(coalesce(running.referrals_key_change, 0) % 256 as integer) as referrals_key,
        cast(coalesce(running.enrollments_key_change, 0) % 256 as integer) as enrollments_key,
        cast(coalesce(running.exits_key_change, 0) % 256 as integer) as exits_key,
        cast(coalesce(running.job_starts_key_change, 0) % 256 as integer) as job_starts_key,
        cast(running.waiting_key % 256 as integer) as waiting_key,
        cast(running.active_key % 256 as integer) as active_key,
        cast(running.active_in_period_key % 256 as integer) as active_in_period_key,
        cast(running.placed_key % 256 as integer) as placed_key,
        cast(running.placed_job_key % 256 as integer) as placed_job_key,
        cast(running.placed_education_key % 256 as integer) as placed_education_key,
        max(medians.waiting_days_median) as waiting_days_median,
        max(medians.waiting_days_p90) as waiting_days_p90,
        max(medians.days_to_first_placement_median) as days_to_first_placement_median
    from running
    left join municipalities
        on running.municipality_code = municipalities.municipality_code
    left join medians
        on
            running.municipality_code is not distinct from medians.municipality_code
            and running.grant_id is not distinct from medians.grant_id
            and running.target_group is not distinct from medians.target_group
            and running.variant is not distinct from medians.variant
            and running.age_band is not distinct from medians.age_band
            and running.sex is not distinct from medians.sex
            and running.period_index = medians.period_index
    group by all
)

select * from final
order by
    municipality_code nulls last,
    grant_id nulls last,
    target_group,
    variant,
    age_band nulls last,
    sex nulls last,
    period_start
