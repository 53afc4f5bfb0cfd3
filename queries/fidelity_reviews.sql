-- IPS fidelity reviews on or before $to, one row per review (fidelity = total_score, IPS-25), for the municipalities in
-- $municipalities (integer list, empty = all), oldest first within each municipality.
-- The contract's fidelity level of each total score is added in ipsdash/figures/intake.py from
-- contract.FIDELITY_LEVELS, so the levels are written down once.
with

final as (
    select
        fidelity_reviews.municipality_code as municipality_code,
        municipalities.name as municipality,
        fidelity_reviews.review_date as review_date,
        fidelity_reviews.total_score as fidelity
    from fidelity_reviews
    inner join municipalities
        on fidelity_reviews.municipality_code = municipalities.municipality_code
    where
        fidelity_reviews.review_date <= cast($to as date)
        and (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), fidelity_reviews.municipality_code))
)

select * from final
order by
    municipality,
    review_date
