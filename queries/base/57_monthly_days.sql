-- View monthly_days: every level of the cube's day counts, one row per level, breakdown, group,
-- figure, month and day count (monthly_group_days and monthly_summed_days); kpis_monthly.sql reads
-- the medians of "Waiting days" and "Days to first placement" (contract, "Definitions") from it.
create or replace view monthly_days as
select * from monthly_group_days
union all
select * from monthly_summed_days;
