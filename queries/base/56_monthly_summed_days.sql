-- View monthly_summed_days: the levels 'target_group', 'variant' and 'region' of the day counts,
-- summed from monthly_group_days (55_monthly_group_days.sql says why): one row per level,
-- breakdown, group, figure, month and day count, with how many courses had it.
-- Contract, "Waiting days" and "Days to first placement".
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
