-- Spending of one grant ($grant_id) up to the day $on: one row per calendar month, municipality
-- (null = spent centrally: coordination, shared training) and category that has postings.
--
-- Definitions (data-contract.md): "spent in [a, b]" with [a, b] a calendar month, cut at $on;
-- negative postings are corrections and count. Summed over all months, a municipality's rows
-- give its "spent to b" (queries/funding.sql), so the monthly bars and the burn-down add up to
-- the funding table. Postings before the grant's start are kept (no money is lost), in their month.
with

postings as (
    select
        cast(date_trunc('month', expenditures.posting_date) as date) as month,
        expenditures.municipality_code as municipality_code,
        expenditures.category as category,
        expenditures.amount_dkk as amount_dkk
    from expenditures
    where
        expenditures.grant_id = $grant_id
        and expenditures.posting_date <= cast($on as date)
),

final as (
    select
        month,
        municipality_code,
        category,
        sum(amount_dkk) as spent_dkk
    from postings
    group by month, municipality_code, category
)

select * from final
order by month, municipality_code nulls last, category
