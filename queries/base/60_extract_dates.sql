-- How current the extract is: one row per municipality in the extract, with its IPS start,
-- its first and newest referral, its newest posting and its number of courses (a person count:
-- shown only through the small-number rule). The dashboard's "today" is the newest of these dates
-- (ipsdash/figures/catalog.py, `span`). Every page asks it: a prepared extract keeps it as a copy
-- (ipsdash/extract/prepared.py) instead of reading every course again.
create or replace view extract_dates as
with

course_dates as (
    select
        municipality_code,
        min(referral_date) as first_referral,
        max(greatest(
            referral_date,
            coalesce(enrollment_date, referral_date),
            coalesce(exit_date, referral_date)
        )) as newest_course_date,
        count(*) as courses,
        sum(record_keys.record_key) % 256 as courses_key
    from participants
    left join record_keys
        on participants.participant_id = record_keys.participant_id
    group by municipality_code
),

posting_dates as (
    select
        municipality_code,
        max(posting_date) as newest_posting
    from expenditures
    group by municipality_code
),

final as (
    select
        municipalities.municipality_code as municipality_code,
        municipalities.name as municipality,
        municipalities.ips_start as ips_start,
        course_dates.first_referral as first_referral,
        course_dates.newest_course_date as newest_course_date,
        posting_dates.newest_posting as newest_posting,
        coalesce(course_dates.courses, 0) as courses,
        cast(coalesce(course_dates.courses_key, 0) as integer) as courses_key
    from municipalities
    left join course_dates
        on municipalities.municipality_code = course_dates.municipality_code
    left join posting_dates
        on municipalities.municipality_code = posting_dates.municipality_code
)

select * from final;
