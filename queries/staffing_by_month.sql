-- Staffing and active courses, one row per municipality and month that touches [$from, $to], for
-- the municipalities in $municipalities (integer list, empty = all). A row is kept when the
-- municipality delivered staffing for the month or had courses active at its end.
--
-- Definitions (data-contract.md): active on d = enrollment_date <= d and (exit_date is null or
-- exit_date > d), taken on the month's last day clipped to $to (as kpis.sql's monthly "active");
-- consultants_fte, consultants_trained and consultants_in_training are the staffing row of the
-- month (null when none was delivered). Caseload = active / consultants_fte is worked out in
-- ipsdash/intake.py. Only the municipality filter applies: consultants serve every target group,
-- variant and grant, so their FTE cannot be split by those.
with

months as (
    select
        cast(month_start as date) as month,
        least(cast(month_start + interval 1 month - interval 1 day as date), cast($to as date)) as month_end
    from (
        select unnest(generate_series(date_trunc('month', cast($from as date)), cast($to as date), interval 1 month))
            as month_start
    )
),

chosen as (
    select
        municipality_code,
        name
    from municipalities
    where
        len(cast($municipalities as integer[])) = 0
        or list_contains(cast($municipalities as integer[]), municipality_code)
),

active as (
    select
        courses.municipality_code as municipality_code,
        months.month as month,
        count(*) as active
    from courses
    inner join months
        on
            courses.enrollment_date <= months.month_end
            and (courses.exit_date is null or courses.exit_date > months.month_end)
    group by
        courses.municipality_code,
        months.month
),

final as (
    select
        chosen.municipality_code as municipality_code,
        chosen.name as municipality,
        months.month as month,
        coalesce(active.active, 0) as active,
        staffing.consultants_fte as consultants_fte,
        staffing.consultants_trained as consultants_trained,
        staffing.consultants_in_training as consultants_in_training
    from chosen
    cross join months
    left join active
        on
            chosen.municipality_code = active.municipality_code
            and months.month = active.month
    left join staffing
        on
            chosen.municipality_code = staffing.municipality_code
            and months.month = staffing.month
    where
        staffing.month is not null
        or active.active > 0
)

select * from final
order by
    month,
    municipality
