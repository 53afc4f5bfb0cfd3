-- Funding of grants on the day $on: one row per grant and budgeted municipality plus one row
-- per grant with municipality_code null for the part kept centrally ($by = 'municipality'),
-- or one row per grant with all its postings ($by = 'grant'), for every grant (ipsdash/figures/funding.py
-- keeps the answer and picks the grants asked for).
--
-- Definitions (data-contract.md): budget (grant_budgets.budget_dkk; a grant's amount; the
-- central part is the amount less the municipalities' budgets); spent to b; use = spent
-- to b / budget; monthly burn = spent in [b - 89 days, b] / 3; projected depletion date;
-- cost per course (courses of the grant enrolled on or before b) and per placement (those
-- of them with a counting placement on or before b).
with

budgets as (
    select
        grant_budgets.grant_id as grant_id,
        grant_budgets.municipality_code as municipality_code,
        grant_budgets.budget_dkk as budget_dkk
    from grant_budgets
    inner join grants
        on grant_budgets.grant_id = grants.grant_id
    where $by = 'municipality'
    union all
    select
        grants.grant_id,
        null,
        grants.amount_dkk - coalesce(
            (select sum(grant_budgets.budget_dkk) from grant_budgets where grant_budgets.grant_id = grants.grant_id),
            0
        )
    from grants
    where $by = 'municipality'
    union all
    select
        grants.grant_id,
        null,
        grants.amount_dkk
    from grants
    where $by = 'grant'
),

spending as (
    select
        expenditures.grant_id as grant_id,
        case when $by = 'municipality' then expenditures.municipality_code end as municipality_code,
        sum(expenditures.amount_dkk) as spent_dkk,
        coalesce(sum(expenditures.amount_dkk) filter (
            where expenditures.posting_date > cast($on as date) - 90
        ), 0) as spent_last_90_days_dkk
    from expenditures
    inner join grants
        on expenditures.grant_id = grants.grant_id
    where expenditures.posting_date <= cast($on as date)
    group by all
),

funded_courses as (
    select
        courses.grant_id as grant_id,
        case when $by = 'municipality' then courses.municipality_code end as municipality_code,
        count(*) as courses,
        count(*) filter (where courses.first_placement_date <= cast($on as date)) as placed,
        -- Cell keys (README, "Small numbers"): the sum of the counted courses' record keys mod 256.
        sum(courses.record_key) % 256 as courses_key,
        coalesce(sum(courses.record_key) filter (where courses.first_placement_date <= cast($on as date)), 0) % 256
            as placed_key
    from courses
    inner join grants
        on courses.grant_id = grants.grant_id
    where courses.enrollment_date <= cast($on as date)
    group by all
),

-- Rows with spending or funded courses but no budget (a municipality spending from, or
-- enrolling courses on, a grant it has no budget in) are kept, with a null budget, so that no
-- posting is lost and the rows' courses add up to the grant's.
keys as (
    select grant_id, municipality_code from budgets
    union
    select grant_id, municipality_code from spending
    union
    select grant_id, municipality_code from funded_courses
),

joined as (
    select
        keys.grant_id as grant_id,
        keys.municipality_code as municipality_code,
        budgets.budget_dkk as budget_dkk,
        coalesce(spending.spent_dkk, 0) as spent_dkk,
        coalesce(spending.spent_last_90_days_dkk, 0) as spent_last_90_days_dkk,
        -- The central part funds no courses of its own.
        case
            when $by = 'grant' or keys.municipality_code is not null then coalesce(funded_courses.courses, 0)
        end as courses,
        case
            when $by = 'grant' or keys.municipality_code is not null then coalesce(funded_courses.placed, 0)
        end as placed,
        cast(coalesce(funded_courses.courses_key, 0) as integer) as courses_key,
        cast(coalesce(funded_courses.placed_key, 0) as integer) as placed_key
    from keys
    left join budgets
        on keys.grant_id = budgets.grant_id and keys.municipality_code is not distinct from budgets.municipality_code
    left join spending
        on keys.grant_id = spending.grant_id and keys.municipality_code is not distinct from spending.municipality_code
    left join funded_courses
        on
            keys.grant_id = funded_courses.grant_id
            and keys.municipality_code is not distinct from funded_courses.municipality_code
),

final as (
    select
        grant_id,
        municipality_code,
        budget_dkk,
        spent_dkk,
        spent_dkk / nullif(budget_dkk, 0) as use,
        spent_last_90_days_dkk / 3 as monthly_burn_dkk,
        case
            when spent_last_90_days_dkk > 0 and budget_dkk - spent_dkk > 0
                then cast($on as date) + cast(ceil((budget_dkk - spent_dkk) / (spent_last_90_days_dkk / 90)) as integer)
        end as projected_depletion,
        courses,
        placed,
        courses_key,
        placed_key,
        spent_dkk / nullif(courses, 0) as cost_per_course_dkk,
        spent_dkk / nullif(placed, 0) as cost_per_placement_dkk
    from joined
)

select * from final
order by grant_id, municipality_code nulls last
