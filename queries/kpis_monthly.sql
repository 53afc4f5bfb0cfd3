-- The contract's course KPIs for several questions at once, each a grouping and periods of whole
-- months, one row per question, group and period: the same rows and figures as kpis.sql gives for
-- each, read from the monthly cube (queries/base/50_monthly_span.sql to 57_monthly_days.sql) instead of the courses, so the
-- work does not grow with them, and one query answers all that a page asks with the same filters.
--
-- The periods come as parallel lists, one entry per period of every question (ipsdash/figures/kpis.py
-- `_monthly_periods` cuts a question into them): $questions (the question's number), $bys (its
-- grouping, as kpis.sql's $by), $medians (false: the day-count figures are left out, null, and
-- the cube's day counts not read for it), $levels (the level of the cube's day counts the period
-- reads: queries/base/57_monthly_days.sql), $period_starts (kpis.sql's period_start: null
-- for a whole period), $first_months and $last_months (the months the period runs over, numbered
-- as the cube does), $months_from and $months_to, the least first month less one and the greatest
-- last month, and $only_level, the one level every period reads, if there is one (the cube's rows
-- outside them are skipped unread). Filters as kpis.sql's: $municipalities, $grants,
-- $target_group, $variant. ipsdash/figures/kpis.py
-- asks this only for periods that no day of the data lies outside of in their first or last
-- month, and that end in the cube.
--
-- Why whole months suffice (data-contract.md, "Definitions", with a and b the first and last day
-- of months A and B): a flow counts the courses whose day lies in months A..B; a stock on b is the
-- cube's stock at the end of month B; active in [a, b] is active on the day before a plus the
-- enrollments in [a, b] (a course enrolled before a counts when it had not exited by then, one
-- enrolled in [a, b] always); placed in [a, b] is placed in some month of A..B (a counting
-- placement overlapping [a, b] of a course active in [a, b] overlaps the month of its own start or
-- month A, whichever is later, and the course is active in that month), which is the courses placed
-- in month A and those whose run of placed months starts in A+1..B after a run that ended before A
-- (the first such start is the course's first placed month in the period, so each counts once).
-- Medians and the 90th percentile are quantile_cont's interpolation over the cube's day counts.
with

-- One row per period of every question.
periods as (
    select
        *,
        -- The rows of the cube a grouping reads (queries/base/50_monthly_span.sql, "breakdown").
        case when group_by in ('age_band', 'sex') then group_by else 'none' end as breakdown
    from (
        select
            unnest(generate_series(1, len(cast($questions as integer[])))) as period,
            unnest(cast($questions as integer[])) as question,
            unnest(cast($bys as varchar[])) as group_by,
            unnest(cast($medians as boolean[])) as medians,
            unnest(cast($levels as varchar[])) as level,
            unnest(cast($period_starts as date[])) as period_start,
            unnest(cast($first_months as integer[])) as first_month,
            unnest(cast($last_months as integer[])) as last_month
    )
),

-- The months of each period that reads day counts, one row each: the cube's day counts are
-- joined on equal months (a join on a range of months pairs every row with every period first).
period_months as (
    select
        period,
        group_by,
        level,
        breakdown,
        unnest(generate_series(first_month, last_month)) as month
    from periods
    where medians
),

-- Every group that gets a row in a period, figures or not (as kpis.sql).
groups as (
    select
        periods.period as period,
        kpi_groups.* exclude (group_by)
    from periods
    inner join kpi_groups($municipalities, $grants) as kpi_groups
        on periods.group_by = kpi_groups.group_by
),

-- The cube's rows of the chosen courses that a period reads: its months and the one before it (a
-- period past the cube reads the cube's last month: nothing changes after the data). Only the
-- group key chosen by the question's grouping is kept.
cube as (
    select
        periods.period as period,
        group_key(periods.group_by, 'municipality', monthly_figures.municipality_code) as municipality_code,
        group_key(periods.group_by, 'grant', monthly_figures.grant_id) as grant_id,
        group_key(periods.group_by, 'target_group', monthly_figures.target_group) as target_group,
        group_key(periods.group_by, 'variant', monthly_figures.variant) as variant,
        group_key(periods.group_by, 'age_band', monthly_figures.age_band) as age_band,
        group_key(periods.group_by, 'sex', monthly_figures.sex) as sex,
        periods.first_month as first_month,
        periods.last_month as last_month,
        least(periods.last_month, monthly_span.last_month) as stock_month,
        monthly_figures.month as month,
        -- Every flow and stock of the cube with its cell key, by name (queries/base/53_monthly_figures.sql).
        columns('^(flow|stock)(key)?_'),
        monthly_figures.placed_any as placed_any,
        monthly_figures.placed_job as placed_job,
        monthly_figures.placed_education as placed_education,
        monthly_figures.placed_any_key as placed_any_key,
        monthly_figures.placed_job_key as placed_job_key,
        monthly_figures.placed_education_key as placed_education_key
    from monthly_figures
    cross join monthly_span
    inner join periods
        on
            monthly_figures.breakdown = periods.breakdown
            and monthly_figures.month between least(periods.first_month - 1, monthly_span.last_month) and periods.last_month
    where
        monthly_figures.month between $months_from and $months_to
        and is_chosen(
            monthly_figures.municipality_code, monthly_figures.grant_id, monthly_figures.target_group, monthly_figures.variant,
            $municipalities, $grants, $target_group, $variant
        )
),

-- Flows over the period's months (flow_*), stocks in its last month (stock_*), each with its cell
-- key (flowkey_*, stockkey_*); active on the day before it and placed in its first month (a month
-- before the cube has no row: zero).
month_figures as (
    select
        period,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        sum(columns('^flow(key)?_')) filter (where month between first_month and last_month),
        sum(columns('^stock(key)?_')) filter (where month = stock_month),
        sum(stock_active) filter (where month = least(first_month - 1, stock_month)) as active_before,
        sum(stockkey_active) filter (where month = least(first_month - 1, stock_month)) as active_before_key,
        sum(placed_any) filter (where month = least(first_month, stock_month)) as placed_first,
        sum(placed_job) filter (where month = least(first_month, stock_month)) as placed_job_first,
        sum(placed_education) filter (where month = least(first_month, stock_month)) as placed_education_first,
        sum(placed_any_key) filter (where month = least(first_month, stock_month)) as placed_first_key,
        sum(placed_job_key) filter (where month = least(first_month, stock_month)) as placed_job_first_key,
        sum(placed_education_key) filter (where month = least(first_month, stock_month)) as placed_education_first_key
    from cube
    group by all
),

-- Courses whose run of placed months starts after the period's first month, after a run that
-- ended before it (or as their first).
later_starts as (
    select
        periods.period as period,
        group_key(periods.group_by, 'municipality', placed_run_starts.municipality_code) as municipality_code,
        group_key(periods.group_by, 'grant', placed_run_starts.grant_id) as grant_id,
        group_key(periods.group_by, 'target_group', placed_run_starts.target_group) as target_group,
        group_key(periods.group_by, 'variant', placed_run_starts.variant) as variant,
        group_key(periods.group_by, 'age_band', placed_run_starts.age_band) as age_band,
        group_key(periods.group_by, 'sex', placed_run_starts.sex) as sex,
        sum(placed_run_starts.runs) filter (where placed_run_starts.kind = 'any') as placed,
        sum(placed_run_starts.runs) filter (where placed_run_starts.kind = 'job') as placed_job,
        sum(placed_run_starts.runs) filter (where placed_run_starts.kind = 'uddannelse') as placed_education,
        sum(placed_run_starts.run_keys) filter (where placed_run_starts.kind = 'any') as placed_key,
        sum(placed_run_starts.run_keys) filter (where placed_run_starts.kind = 'job') as placed_job_key,
        sum(placed_run_starts.run_keys) filter (where placed_run_starts.kind = 'uddannelse') as placed_education_key
    from placed_run_starts
    inner join periods
        on
            placed_run_starts.breakdown = periods.breakdown
            and placed_run_starts.start_month between periods.first_month + 1 and periods.last_month
            and (placed_run_starts.previous_end_month is null or placed_run_starts.previous_end_month < periods.first_month)
    where
        placed_run_starts.start_month between $months_from and $months_to
        and is_chosen(
            placed_run_starts.municipality_code, placed_run_starts.grant_id, placed_run_starts.target_group, placed_run_starts.variant,
            $municipalities, $grants, $target_group, $variant
        )
    group by all
),

-- The day counts of the period's months, ranked: `reached` is how many courses have at most
-- `days`, so the value at rank r (from 0) is the least days whose reached exceeds r.
day_counts as (
    select
        period_months.period as period,
        group_key(period_months.group_by, 'municipality', monthly_days.municipality_code) as municipality_code,
        group_key(period_months.group_by, 'grant', monthly_days.grant_id) as grant_id,
        group_key(period_months.group_by, 'target_group', monthly_days.target_group) as target_group,
        group_key(period_months.group_by, 'variant', monthly_days.variant) as variant,
        group_key(period_months.group_by, 'age_band', monthly_days.age_band) as age_band,
        group_key(period_months.group_by, 'sex', monthly_days.sex) as sex,
        monthly_days.figure as figure,
        monthly_days.days as days,
        sum(monthly_days.courses) as courses
    from monthly_days
    inner join period_months
        on
            monthly_days.level = period_months.level
            and monthly_days.breakdown = period_months.breakdown
            and monthly_days.month = period_months.month
    where
        monthly_days.month between $months_from and $months_to
        and ($only_level is null or monthly_days.level = $only_level)
        and is_chosen(
            monthly_days.municipality_code, monthly_days.grant_id, monthly_days.target_group, monthly_days.variant,
            $municipalities, $grants, $target_group, $variant
        )
    group by all
),

ranked as (
    select
        *,
        sum(courses) over (
            partition by period, municipality_code, grant_id, target_group, variant, age_band, sex, figure
            order by days
            rows between unbounded preceding and current row
        ) as reached,
        sum(courses) over (
            partition by period, municipality_code, grant_id, target_group, variant, age_band, sex, figure
        ) as total
    from day_counts
),

-- quantile_cont(x, q): position h = (n - 1) q between the values at ranks floor(h) and ceil(h).
quantiles as (
    select
        period,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        figure,
        any_value(total) as total,
        min(days) filter (where reached > floor((total - 1) * 0.5)) as median_low,
        min(days) filter (where reached > ceil((total - 1) * 0.5)) as median_high,
        min(days) filter (where reached > floor((total - 1) * 0.9)) as p90_low,
        min(days) filter (where reached > ceil((total - 1) * 0.9)) as p90_high
    from ranked
    group by all
),

medians as (
    select
        period,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        max(median_low + ((total - 1) * 0.5 - floor((total - 1) * 0.5)) * (median_high - median_low))
            filter (where figure = 'waiting_days') as waiting_days_median,
        max(p90_low + ((total - 1) * 0.9 - floor((total - 1) * 0.9)) * (p90_high - p90_low))
            filter (where figure = 'waiting_days') as waiting_days_p90,
        max(median_low + ((total - 1) * 0.5 - floor((total - 1) * 0.5)) * (median_high - median_low))
            filter (where figure = 'days_to_first_placement') as days_to_first_placement_median
    from quantiles
    group by all
),

final as (
    select
        periods.question as question,
        groups.municipality_code as municipality_code,
        municipalities.name as municipality,
        groups.grant_id as grant_id,
        groups.target_group as target_group,
        groups.variant as variant,
        groups.age_band as age_band,
        groups.sex as sex,
        periods.period_start as period_start,
        -- Each flow and stock of the cube under its figure's name ('flow_exits' as exits), its cell key
        -- as <figure>_key.
        cast(coalesce(columns('^(?:flow|stock)_(.*)$'), 0) as bigint) as '\1',
        cast(coalesce(columns('^(?:flow|stock)key_(.*)$'), 0) % 256 as integer) as '\1_key',
        cast(coalesce(month_figures.active_before, 0) + coalesce(month_figures.flow_enrollments, 0) as bigint)
            as active_in_period,
        cast(coalesce(month_figures.placed_first, 0) + coalesce(later_starts.placed, 0) as bigint) as placed,
        cast(coalesce(month_figures.placed_job_first, 0) + coalesce(later_starts.placed_job, 0) as bigint)
            as placed_job,
        cast(coalesce(month_figures.placed_education_first, 0) + coalesce(later_starts.placed_education, 0) as bigint)
            as placed_education,
        cast((coalesce(month_figures.active_before_key, 0) + coalesce(month_figures.flowkey_enrollments, 0)) % 256 as integer) as active_in_period_key,
        cast((coalesce(month_figures.placed_first_key, 0) + coalesce(later_starts.placed_key, 0)) % 256 as integer) as placed_key,
        cast((coalesce(month_figures.placed_job_first_key, 0) + coalesce(later_starts.placed_job_key, 0)) % 256 as integer) as placed_job_key,
        cast((coalesce(month_figures.placed_education_first_key, 0) + coalesce(later_starts.placed_education_key, 0)) % 256 as integer) as placed_education_key,
        medians.waiting_days_median as waiting_days_median,
        medians.waiting_days_p90 as waiting_days_p90,
        medians.days_to_first_placement_median as days_to_first_placement_median
    from groups
    inner join periods
        on groups.period = periods.period
    left join municipalities
        on groups.municipality_code = municipalities.municipality_code
    left join month_figures
        on
            groups.period = month_figures.period
            and groups.municipality_code is not distinct from month_figures.municipality_code
            and groups.grant_id is not distinct from month_figures.grant_id
            and groups.target_group is not distinct from month_figures.target_group
            and groups.variant is not distinct from month_figures.variant
            and groups.age_band is not distinct from month_figures.age_band
            and groups.sex is not distinct from month_figures.sex
    left join later_starts
        on
            groups.period = later_starts.period
            and groups.municipality_code is not distinct from later_starts.municipality_code
            and groups.grant_id is not distinct from later_starts.grant_id
            and groups.target_group is not distinct from later_starts.target_group
            and groups.variant is not distinct from later_starts.variant
            and groups.age_band is not distinct from later_starts.age_band
            and groups.sex is not distinct from later_starts.sex
    left join medians
        on
            groups.period = medians.period
            and groups.municipality_code is not distinct from medians.municipality_code
            and groups.grant_id is not distinct from medians.grant_id
            and groups.target_group is not distinct from medians.target_group
            and groups.variant is not distinct from medians.variant
            and groups.age_band is not distinct from medians.age_band
            and groups.sex is not distinct from medians.sex
)

select * from final
order by
    question,
    municipality_code nulls last,
    grant_id nulls last,
    target_group,
    variant,
    age_band nulls last,
    sex nulls last,
    period_start
