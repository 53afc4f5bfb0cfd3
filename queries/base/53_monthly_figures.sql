-- View monthly_figures: one row per breakdown, group and month of monthly_span (every group that
-- has a course, in every month), each count with its cell key (<count>_key: the sum of its courses'
-- record keys modulo 256; contract, "Small numbers and consistent noise").
-- Contract, "Definitions": Referrals / enrollments / exits, Job starts, Waiting on d, Active on d,
-- Placement rate in [a, b] (placed in the month).
--
-- One row per group and month of monthly_span: the flows of the month (flow_referrals,
-- flow_enrollments, flow_exits, flow_job_starts: first counting placements) and the stocks at its
-- end (stock_waiting, stock_active) or in it (placed_any, placed_job, placed_education: courses
-- placed in the month as a period of its own). A stock is the running sum of +1 where a course
-- starts to count and -1 where it stops.
--
-- queries/kpis_monthly.sql reads every column named flow_<figure> (summed over a period's months)
-- and stock_<figure> (at its last month) with its cell key flowkey_<figure> / stockkey_<figure> as
-- the figure of that name, without naming it: a count added here is a KPI of the cube.
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
        unnest([1, 1, 1, 1, 1, -1, 1, -1]) as change,
        -- The record keys change with the counts: a count's cell key is their sum (mod 256).
        unnest([1, 1, 1, 1, 1, -1, 1, -1]) * record_key as key_change
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
        placed_figure(kind) as figure,
        unnest([1, -1]) as change,
        unnest([1, -1]) * record_key as key_change
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
        sum(change) filter (where figure = 'placed_education') as placed_education_change,
        sum(key_change) filter (where figure = 'referrals') as referrals_key,
        sum(key_change) filter (where figure = 'enrollments') as enrollments_key,
        sum(key_change) filter (where figure = 'exits') as exits_key,
        sum(key_change) filter (where figure = 'job_starts') as job_starts_key,
        sum(key_change) filter (where figure = 'waiting') as waiting_key_change,
        sum(key_change) filter (where figure = 'active') as active_key_change,
        sum(key_change) filter (where figure = 'placed_any') as placed_any_key_change,
        sum(key_change) filter (where figure = 'placed_job') as placed_job_key_change,
        sum(key_change) filter (where figure = 'placed_education') as placed_education_key_change
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
        coalesce(by_month.referrals, 0) as flow_referrals,
        coalesce(by_month.enrollments, 0) as flow_enrollments,
        coalesce(by_month.exits, 0) as flow_exits,
        coalesce(by_month.job_starts, 0) as flow_job_starts,
        sum(coalesce(by_month.waiting_change, 0)) over in_order as stock_waiting,
        sum(coalesce(by_month.active_change, 0)) over in_order as stock_active,
        sum(coalesce(by_month.placed_any_change, 0)) over in_order as placed_any,
        sum(coalesce(by_month.placed_job_change, 0)) over in_order as placed_job,
        sum(coalesce(by_month.placed_education_change, 0)) over in_order as placed_education,
        cast(coalesce(by_month.referrals_key, 0) % 256 as smallint) as flowkey_referrals,
        cast(coalesce(by_month.enrollments_key, 0) % 256 as smallint) as flowkey_enrollments,
        cast(coalesce(by_month.exits_key, 0) % 256 as smallint) as flowkey_exits,
        cast(coalesce(by_month.job_starts_key, 0) % 256 as smallint) as flowkey_job_starts,
        cast(sum(coalesce(by_month.waiting_key_change, 0)) over in_order % 256 as smallint) as stockkey_waiting,
        cast(sum(coalesce(by_month.active_key_change, 0)) over in_order % 256 as smallint) as stockkey_active,
        cast(sum(coalesce(by_month.placed_any_key_change, 0)) over in_order % 256 as smallint) as placed_any_key,
        cast(sum(coalesce(by_month.placed_job_key_change, 0)) over in_order % 256 as smallint) as placed_job_key,
        cast(sum(coalesce(by_month.placed_education_key_change, 0)) over in_order % 256 as smallint) as placed_education_key
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
