-- View counting_placements: the placements that are the programme's result; one row per placement.
-- Contract, "Counting placement": enrollment_date <= start_date <= coalesce(exit_date, b).
-- Only the part that does not depend on a period is applied here (start on or after
-- enrollment, and on or before exit when the course has ended); every query that uses
-- this view adds start_date <= b for its own period end b.
create or replace view counting_placements as
select
    placements.participant_id as participant_id,
    placements.kind as kind,
    placements.start_date as start_date,
    placements.end_date as end_date,
    placements.hours_per_week as hours_per_week,
    participants.enrollment_date as enrollment_date,
    -- The course's group columns and exit, so that placed_spans (and others) need no join back.
    participants.exit_date as exit_date,
    participants.municipality_code as municipality_code,
    participants.grant_id as grant_id,
    participants.target_group as target_group,
    participants.variant as variant,
    participants.age_band as age_band,
    participants.sex as sex,
    record_keys.record_key as record_key
from placements
inner join participants
    on placements.participant_id = participants.participant_id
left join record_keys
    on placements.participant_id = record_keys.participant_id
where
    participants.enrollment_date is not null
    and placements.start_date >= participants.enrollment_date
    and (participants.exit_date is null or placements.start_date <= participants.exit_date)
