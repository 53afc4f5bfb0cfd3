-- The contract's course KPIs for the period [$from, $to], one row per group.
--
-- $by chooses the groups: 'none' (one row), 'municipality' (every municipality in the
-- extract, zeros where it has no courses), 'grant' (every grant, and null for courses with
-- no grant), 'target_group', 'variant', 'age_band', 'sex' (every value of the contract, and
-- null for courses where it is missing), 'month' or 'quarter' (every month or quarter that
-- touches the period; each row's figures are for that month or quarter clipped to
-- [$from, $to], so its period end b is the clipped end).
-- Filters: $municipalities (integer list, empty = all), $grants (text list, empty = all),
-- $target_group and $variant (null = all).
--
-- Definitions (data-contract.md, "Definitions"): referrals/enrollments/exits in [a, b];
-- waiting on b; active on b; active in [a, b]; placed = active in [a, b] with a counting
-- placement overlapping [a, b] (also by kind); job starts = first counting placement in
-- [a, b]; waiting days over enrollments in [a, b]; days to first placement over job starts.
-- Counts behind medians (*_n) are returned for the small-number rule.
with

periods as (
    select
        cast(month_start as date) as period_start,
        greatest(cast(month_start as date), cast($from as date)) as period_from,
        least(
            cast(month_start + to_months(case when $by = 'quarter' then 3 else 1 end) - interval 1 day as date),
            cast($to as date)
        ) as period_to
    from (
        select
            unnest(generate_series(
                date_trunc(case when $by = 'quarter' then 'quarter' else 'month' end, cast($from as date)),
                cast($to as date),
                to_months(case when $by = 'quarter' then 3 else 1 end)
            )) as month_start
    )
    where $by in ('month', 'quarter')
    union all
    select
        cast(null as date) as period_start,
        cast($from as date) as period_from,
        cast($to as date) as period_to
    where $by not in ('month', 'quarter')
),

selected as (
    select *
    from courses
    where
        (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), municipality_code))
        and (len(cast($grants as varchar[])) = 0 or list_contains(cast($grants as varchar[]), grant_id))
        and ($target_group is null or target_group = $target_group)
        and ($variant is null or variant = $variant)
),

-- Every group that gets a row, figures or not.
groups as (
    select
        municipality_code as municipality_code,
        cast(null as varchar) as grant_id,
        cast(null as varchar) as target_group,
        cast(null as varchar) as variant,
        cast(null as varchar) as age_band,
        cast(null as varchar) as sex
    from municipalities
    where
        $by = 'municipality'
        and (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), municipality_code))
    union all
    select
        null,
        grant_id,
        null,
        null,
        null,
        null
    from grants
    where $by = 'grant' and (len(cast($grants as varchar[])) = 0 or list_contains(cast($grants as varchar[]), grant_id))
    union all
    select
        null,
        null,
        null,
        null,
        null,
        null
    where $by = 'grant' and len(cast($grants as varchar[])) = 0
    union all
    select
        null,
        null,
        unnest(['psykiatri', 'misbrug']),
        null,
        null,
        null
    where $by = 'target_group'
    union all
    select
        null,
        null,
        null,
        unnest(['IPS', 'IPS+']),
        null,
        null
    where $by = 'variant'
    union all
    select
        null,
        null,
        null,
        null,
        unnest(['18-29', '30-39', '40-49', '50+', null]),
        null
    where $by = 'age_band'
    union all
    select
        null,
        null,
        null,
        null,
        null,
        unnest(['K', 'M', null])
    where $by = 'sex'
    union all
    select
        null,
        null,
        null,
        null,
        null,
        null
    where $by in ('none', 'month', 'quarter')
),

-- Only the group key chosen by $by is kept; the others are null, so one query serves all.
course_periods as (
    select
        selected.participant_id as participant_id,
        case when $by = 'municipality' then selected.municipality_code end as municipality_code,
        case when $by = 'grant' then selected.grant_id end as grant_id,
        case when $by = 'target_group' then selected.target_group end as target_group,
        case when $by = 'variant' then selected.variant end as variant,
        case when $by = 'age_band' then selected.age_band end as age_band,
        case when $by = 'sex' then selected.sex end as sex,
        periods.period_start as period_start,
        periods.period_from as period_from,
        periods.period_to as period_to,
        selected.referral_date as referral_date,
        selected.enrollment_date as enrollment_date,
        selected.exit_date as exit_date,
        selected.first_placement_date as first_placement_date,
        selected.enrollment_date <= periods.period_to
            and (selected.exit_date is null or selected.exit_date >= periods.period_from) as is_active_in_period
    from selected
    cross join periods
    -- A course referred after b, or ended before a, counts in no figure of [a, b].
    where
        selected.referral_date <= periods.period_to
        and (selected.exit_date is null or selected.exit_date >= periods.period_from)
),

placed as (
    select
        course_periods.participant_id as participant_id,
        course_periods.period_from as period_from,
        bool_or(counting_placements.kind = 'job') as is_placed_job,
        bool_or(counting_placements.kind = 'uddannelse') as is_placed_education
    from course_periods
    inner join counting_placements
        on course_periods.participant_id = counting_placements.participant_id
    where
        course_periods.is_active_in_period
        and counting_placements.start_date <= course_periods.period_to
        and (counting_placements.end_date is null or counting_placements.end_date >= course_periods.period_from)
    group by
        course_periods.participant_id,
        course_periods.period_from
),

figures as (
    select
        course_periods.municipality_code as municipality_code,
        course_periods.grant_id as grant_id,
        course_periods.target_group as target_group,
        course_periods.variant as variant,
        course_periods.age_band as age_band,
        course_periods.sex as sex,
        course_periods.period_start as period_start,
        count(*) filter (where course_periods.referral_date >= course_periods.period_from) as referrals,
        count(*) filter (
            where course_periods.enrollment_date between course_periods.period_from and course_periods.period_to
        ) as enrollments,
        count(*) filter (where course_periods.exit_date <= course_periods.period_to) as exits,
        count(*) filter (
            where (course_periods.enrollment_date is null or course_periods.enrollment_date > course_periods.period_to)
            and (course_periods.exit_date is null or course_periods.exit_date > course_periods.period_to)
        ) as waiting,
        count(*) filter (
            where course_periods.enrollment_date <= course_periods.period_to
            and (course_periods.exit_date is null or course_periods.exit_date > course_periods.period_to)
        ) as active,
        count(*) filter (where course_periods.is_active_in_period) as active_in_period,
        count(placed.participant_id) as placed,
        count(*) filter (where placed.is_placed_job) as placed_job,
        count(*) filter (where placed.is_placed_education) as placed_education,
        count(*) filter (
            where course_periods.first_placement_date between course_periods.period_from and course_periods.period_to
        ) as job_starts,
        quantile_cont(course_periods.enrollment_date - course_periods.referral_date, 0.5) filter (
            where course_periods.enrollment_date between course_periods.period_from and course_periods.period_to
        ) as waiting_days_median,
        quantile_cont(course_periods.enrollment_date - course_periods.referral_date, 0.9) filter (
            where course_periods.enrollment_date between course_periods.period_from and course_periods.period_to
        ) as waiting_days_p90,
        quantile_cont(course_periods.first_placement_date - course_periods.enrollment_date, 0.5) filter (
            where course_periods.first_placement_date between course_periods.period_from and course_periods.period_to
        ) as days_to_first_placement_median
    from course_periods
    left join placed
        on
            course_periods.participant_id = placed.participant_id
            and course_periods.period_from = placed.period_from
    group by
        course_periods.municipality_code,
        course_periods.grant_id,
        course_periods.target_group,
        course_periods.variant,
        course_periods.age_band,
        course_periods.sex,
        course_periods.period_start
),

final as (
    select
        groups.municipality_code as municipality_code,
        municipalities.name as municipality,
        groups.grant_id as grant_id,
        groups.target_group as target_group,
        groups.variant as variant,
        groups.age_band as age_band,
        groups.sex as sex,
        periods.period_start as period_start,
        coalesce(figures.referrals, 0) as referrals,
        coalesce(figures.enrollments, 0) as enrollments,
        coalesce(figures.exits, 0) as exits,
        coalesce(figures.waiting, 0) as waiting,
        coalesce(figures.active, 0) as active,
        coalesce(figures.active_in_period, 0) as active_in_period,
        coalesce(figures.placed, 0) as placed,
        coalesce(figures.placed_job, 0) as placed_job,
        coalesce(figures.placed_education, 0) as placed_education,
        coalesce(figures.job_starts, 0) as job_starts,
        figures.waiting_days_median as waiting_days_median,
        figures.waiting_days_p90 as waiting_days_p90,
        figures.days_to_first_placement_median as days_to_first_placement_median
    from groups
    cross join periods
    left join municipalities
        on groups.municipality_code = municipalities.municipality_code
    left join figures
        on
            groups.municipality_code is not distinct from figures.municipality_code
            and groups.grant_id is not distinct from figures.grant_id
            and groups.target_group is not distinct from figures.target_group
            and groups.variant is not distinct from figures.variant
            and groups.age_band is not distinct from figures.age_band
            and groups.sex is not distinct from figures.sex
            and periods.period_start is not distinct from figures.period_start
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
