-- Staffing, one row per municipality and month that touches [$from, $to], for the municipalities
-- in $municipalities (integer list, empty = all): consultants_fte, consultants_trained and
-- consultants_in_training of the month's staffing row, null where none was delivered.
--
-- Definitions (data-contract.md): caseload = courses active on the month's last day ÷
-- consultants_fte of the month. The active courses are kpis.sql's (by municipality and month, so
-- "active" has one definition); ipsdash/figures/intake.py puts the two together. Only the municipality
-- filter applies: consultants serve every target group, variant and grant, so their FTE cannot be
-- split by those.
with

months as (
    select cast(month_start as date) as month
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

final as (
    select
        chosen.municipality_code as municipality_code,
        chosen.name as municipality,
        months.month as month,
        staffing.consultants_fte as consultants_fte,
        staffing.consultants_trained as consultants_trained,
        staffing.consultants_in_training as consultants_in_training
    from chosen
    cross join months
    left join staffing
        on
            chosen.municipality_code = staffing.municipality_code
            and months.month = staffing.month
)

select * from final
order by
    month,
    municipality
