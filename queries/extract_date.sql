-- The extract's date and first referral, in one row (data-contract.md, "Cohort outcomes": the
-- newest referral, enrollment or exit date or posting date, never after today). The postings made
-- centrally (no municipality) count too: the view extract_dates has one row per municipality and
-- leaves them out. Null when the extract holds no course and no posting.
select
    least(
        greatest(
            max(extract_dates.newest_course_date),
            max(extract_dates.newest_posting),
            (select max(posting_date) from expenditures where municipality_code is null)
        ),
        cast($today as date)
    ) as as_of,
    min(extract_dates.first_referral) as first_referral
from extract_dates
