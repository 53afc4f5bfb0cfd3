-- Cohort outcomes (data-contract.md, "Cohort outcomes"): one row per cohort, group and N of
-- $months, with the cohort's enrolled courses and those placed within N months.
--
-- A cohort is the courses enrolled in one calendar quarter ($grain 'quarter') or year ('year')
-- within [$from, $to]; every cohort that touches the period gets its rows, zeros where no course
-- was enrolled. A course is placed within N months when its first counting placement (with b the
-- extract's date $as_of, catalog.span) starts on or before enrollment_date + N months (DuckDB's
-- month arithmetic gives the month's last day where the same day does not exist: 31 January plus
-- one month is 29 February). A cohort is followed N months when its last day clipped to $to, plus N
-- months, is on or before $as_of; before that `placed` is null, never a partial count.
-- Courses that exit without a placement count as enrolled and not placed (intention to treat).
--
-- $by chooses the groups as in kpis.sql: 'none', 'municipality', 'grant', 'target_group',
-- 'variant' (the kpi_groups macro: every group a row, figures or not).
-- Filters: $municipalities (integer list, empty = all), $grants (text list, empty = all),
-- $target_group and $variant (null = all).
--
-- The first counting placement is courses.first_placement_date (start on or after enrollment
-- and on or before exit); its start must also be on or before $as_of. For a followed cohort that
-- bound never decides, since enrollment + N months <= $as_of, but it keeps the definition whole.
-- Each count has its cell key beside it (`<count>_key`: the sum of its courses' record keys
-- modulo 256, ipsdash/privacy.py): enrolled_key is that of the KPI enrollments of the same courses.
-- tests/test_cohorts.py checks every figure against a naive reading, course by course.
with

span as (
    select
        cast($from as date) as first_day,
        cast($to as date) as last_day,
        cast($as_of as date) as as_of,
        case when $grain = 'year' then 12 else 3 end as cohort_months
),

cohorts as (
    select
        cast(cohort_start as date) as cohort_start,
        least(
            cast(cohort_start + to_months(span.cohort_months) - interval 1 day as date),
            span.last_day
        ) as cohort_last_day
    from span
    cross join (
        select
            unnest(generate_series(
                date_trunc(case when $grain = 'year' then 'year' else 'quarter' end, cast($from as date)),
                cast($to as date),
                to_months(case when $grain = 'year' then 12 else 3 end)
            )) as cohort_start
    )
),

within_months as (
    select unnest(cast($months as integer[])) as months
),

-- Each cohort and N, and whether the cohort has been followed N months.
followed as (
    select
        cohorts.cohort_start as cohort_start,
        within_months.months as months,
        cast(cohorts.cohort_last_day + to_months(within_months.months) as date) <= span.as_of as is_followed
    from cohorts
    cross join within_months
    cross join span
),

selected as (
    select *
    from courses
    where
        enrollment_date >= cast($from as date)
        and enrollment_date <= cast($to as date)
        and (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), municipality_code))
        and (len(cast($grants as varchar[])) = 0 or list_contains(cast($grants as varchar[]), grant_id))
        and ($target_group is null or target_group = $target_group)
        and ($variant is null or variant = $variant)
),

-- Each course once: its group key (only the one chosen by $by), its cohort and the fewest whole
-- months after enrollment within which it was placed (null: not placed by $as_of). Placed within
-- N months is `placed_after <= N`: enrollment_date + N months lies in the N-th month after the
-- enrollment's, so the least such N is the count of months from the enrollment's month to the
-- placement's, m, when the placement's day of the month is not after the enrollment's (where that
-- month is shorter, enrollment_date + m months is its last day, which no day is after), else m + 1.
course_outcomes as (
    select
        case when $by = 'municipality' then selected.municipality_code end as municipality_code,
        case when $by = 'grant' then selected.grant_id end as grant_id,
        case when $by = 'target_group' then selected.target_group end as target_group,
        case when $by = 'variant' then selected.variant end as variant,
        cast(date_trunc(case when $grain = 'year' then 'year' else 'quarter' end, selected.enrollment_date) as date)
            as cohort_start,
        selected.record_key as record_key,
        case when selected.first_placement_date <= span.as_of then
            date_diff('month', selected.enrollment_date, selected.first_placement_date)
            + cast(day(selected.first_placement_date) > day(selected.enrollment_date) as integer)
        end as placed_after
    from selected
    cross join span
),

-- The courses (and their record keys) of each group, cohort and month count: one pass over the
-- courses, however many N are asked.
by_placed_after as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant,
        cohort_start,
        placed_after,
        count(*) as courses,
        sum(record_key) as record_keys
    from course_outcomes
    group by all
),

-- Every person count of the answer, in this one aggregation: a count over other courses (or a
-- sum over the same courses, such as a cell key) goes here beside the others.
counted as (
    select
        by_placed_after.municipality_code as municipality_code,
        by_placed_after.grant_id as grant_id,
        by_placed_after.target_group as target_group,
        by_placed_after.variant as variant,
        by_placed_after.cohort_start as cohort_start,
        within_months.months as months,
        sum(by_placed_after.courses) as enrolled,
        coalesce(sum(by_placed_after.courses) filter (where by_placed_after.placed_after <= within_months.months), 0)
            as placed,
        sum(by_placed_after.record_keys) % 256 as enrolled_key,
        coalesce(sum(by_placed_after.record_keys) filter (where by_placed_after.placed_after <= within_months.months), 0)
            % 256 as placed_key
    from by_placed_after
    cross join within_months
    group by all
),

-- Every group that gets a row, figures or not.
groups as (
    select
        municipality_code,
        grant_id,
        target_group,
        variant
    from kpi_groups($municipalities, $grants)
    where group_by = $by
),

final as (
    select
        groups.municipality_code as municipality_code,
        municipalities.name as municipality,
        groups.grant_id as grant_id,
        groups.target_group as target_group,
        groups.variant as variant,
        followed.cohort_start as cohort_start,
        followed.months as months,
        followed.is_followed as is_followed,
        cast(coalesce(counted.enrolled, 0) as bigint) as enrolled,
        case when followed.is_followed then cast(coalesce(counted.placed, 0) as bigint) end as placed,
        cast(coalesce(counted.enrolled_key, 0) as smallint) as enrolled_key,
        case when followed.is_followed then cast(coalesce(counted.placed_key, 0) as smallint) end as placed_key
    from groups
    cross join followed
    left join counted
        on
            groups.municipality_code is not distinct from counted.municipality_code
            and groups.grant_id is not distinct from counted.grant_id
            and groups.target_group is not distinct from counted.target_group
            and groups.variant is not distinct from counted.variant
            and followed.cohort_start = counted.cohort_start
            and followed.months = counted.months
    left join municipalities
        on groups.municipality_code = municipalities.municipality_code
)

select * from final
order by
    municipality_code nulls last,
    grant_id nulls last,
    target_group,
    variant,
    cohort_start,
    months
