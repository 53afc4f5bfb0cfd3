-- Spending of one grant ($grant_id) month by month, for the funder's report's burn-up chart:
-- one row per calendar month from the grant's start (or its first posting, if earlier) to the
-- month of $to, with what was spent in the month (cut at $to) and the running total, which in
-- the month of $to is the grant's "spent to b" in queries/funding.sql.
--
-- Definitions (data-contract.md): "spent in [a, b]" with [a, b] a calendar month, and "spent to
-- b" at each month's end; negative postings are corrections and count. Money, not persons.
with

postings as (
    select
        cast(date_trunc('month', expenditures.posting_date) as date) as month,
        expenditures.amount_dkk as amount_dkk
    from expenditures
    where
        expenditures.grant_id = $grant_id
        and expenditures.posting_date <= cast($to as date)
),

first_month as (
    select
        least(
            cast(date_trunc('month', grants.start_date) as date),
            coalesce((select min(month) from postings), cast(date_trunc('month', grants.start_date) as date))
        ) as month
    from grants
    where grants.grant_id = $grant_id
),

months as (
    select cast(unnest(generate_series(
        (select month from first_month),
        cast(date_trunc('month', cast($to as date)) as date),
        interval 1 month
    )) as date) as period_start
),

by_month as (
    select
        month,
        sum(amount_dkk) as spent_in_month_dkk
    from postings
    group by month
),

final as (
    select
        months.period_start as period_start,
        coalesce(by_month.spent_in_month_dkk, 0) as spent_in_month_dkk,
        sum(coalesce(by_month.spent_in_month_dkk, 0)) over (order by months.period_start) as spent_dkk
    from months
    left join by_month
        on months.period_start = by_month.month
)

select * from final
order by period_start
