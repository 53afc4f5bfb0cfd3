-- Spending of one grant ($grant_id) by category, for the funder's report: one row per category
-- of the contract (løn, uddannelse, supervision, administration, andet, in that order), zero
-- where nothing was posted, with what was spent in the period [$from, $to] and what was spent to
-- $to. Centrally spent money (municipality_code null) is included, so the categories add up to
-- the grant's "spent to b" in queries/funding.sql.
--
-- Definitions (data-contract.md): "spent in [a, b]" and "spent to b"; negative postings are
-- corrections and count. Amounts of money, not persons: the small-number rule hides nothing here.
with

categories as (
    select
        category,
        category_order
    from (
        values
            ('løn', 1),
            ('uddannelse', 2),
            ('supervision', 3),
            ('administration', 4),
            ('andet', 5)
    ) as contract_categories (category, category_order)
),

postings as (
    select
        expenditures.category as category,
        expenditures.posting_date as posting_date,
        expenditures.amount_dkk as amount_dkk
    from expenditures
    where
        expenditures.grant_id = $grant_id
        and expenditures.posting_date <= cast($to as date)
),

by_category as (
    select
        category,
        coalesce(sum(amount_dkk) filter (where posting_date >= cast($from as date)), 0) as spent_in_period_dkk,
        sum(amount_dkk) as spent_dkk
    from postings
    group by category
),

final as (
    select
        categories.category as category,
        coalesce(by_category.spent_in_period_dkk, 0) as spent_in_period_dkk,
        coalesce(by_category.spent_dkk, 0) as spent_dkk,
        categories.category_order as category_order
    from categories
    left join by_category
        on categories.category = by_category.category
)

select * from final
order by category_order
