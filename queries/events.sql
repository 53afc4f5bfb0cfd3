-- The events (the contract's optional table events) dated in [$from, $to], one row per event, oldest
-- first, with the municipality's name (null for an event of the whole region).
-- Which of them a view shows (its municipalities and grants) is decided in one place,
-- ipsdash/figures/events.py's `belongs`, not here.
with

final as (
    select
        events.event_date as event_date,
        events.municipality_code as municipality_code,
        municipalities.name as municipality,
        events.grant_id as grant_id,
        events.text as event_text
    from events
    left join municipalities
        on events.municipality_code = municipalities.municipality_code
    where
        events.event_date between cast($from as date) and cast($to as date)
)

select * from final
order by
    event_date,
    municipality_code nulls first,
    grant_id nulls first,
    event_text
