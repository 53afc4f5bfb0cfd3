-- View courses: one row per course (participants), with the start of its first counting placement
-- and its record key (05_record_keys.sql).
-- Contract, "Job starts": a course's first counting placement; null when it has none.
create or replace view courses as
with

firsts as (
    select
        participant_id,
        min(start_date) as first_placement_date
    from counting_placements
    group by participant_id
),

final as (
    select
        participants.*,
        firsts.first_placement_date as first_placement_date,
        record_keys.record_key as record_key
    from participants
    left join firsts
        on participants.participant_id = firsts.participant_id
    left join record_keys
        on participants.participant_id = record_keys.participant_id
)

select * from final
