-- View placed_spans: the days each course was placed, one row per run of days. A course's counting
-- placements are merged into disjoint runs, for each kind ('job', 'uddannelse') and for either
-- ('any'); end_date null = ongoing; previous_end is the end of the course's run of the same kind
-- just before (null for the first). The course's group columns and exit_date come along, so a
-- query counts placed courses without joining on participant_id, and counts a course once per
-- period from previous_end, without a window function.
-- Contract, "Counting placement" (the part that does not depend on b) and "Placement rate": a
-- course is placed in [a, b] when it is active in [a, b] and one of its 'any' runs overlaps [a, b].
create or replace view placed_spans as
with

by_kind as (
    select
        * exclude (end_date, hours_per_week, enrollment_date),
        -- An ongoing placement runs to the end of time while runs are merged.
        coalesce(end_date, date '9999-12-31') as end_date
    from counting_placements
    union all by name
    select
        * exclude (kind, end_date, hours_per_week, enrollment_date),
        'any' as kind,
        coalesce(end_date, date '9999-12-31') as end_date
    from counting_placements
),

-- How far the course's placements of the kind that start on an earlier day reach; one that starts
-- after that begins a new run, and the reach is then the end of the run before it. Both windows
-- frame by start day (range), never by row, so that placements starting on the same day fall in
-- one run whatever order the engine reads them in (queries/base/52_placed_month_runs.sql).
reached as (
    select
        *,
        max(end_date) over (
            partition by participant_id, kind
            order by start_date
            range between unbounded preceding and interval 1 day preceding
        ) as reached
    from by_kind
),

numbered as (
    select
        *,
        sum(case when reached is null or start_date > reached then 1 else 0 end) over (
            partition by participant_id, kind
            order by start_date
            range between unbounded preceding and current row
        ) as run_number
    from reached
),

final as (
    select
        participant_id,
        any_value(municipality_code) as municipality_code,
        any_value(grant_id) as grant_id,
        any_value(target_group) as target_group,
        any_value(variant) as variant,
        any_value(age_band) as age_band,
        any_value(sex) as sex,
        any_value(exit_date) as exit_date,
        any_value(record_key) as record_key,
        kind,
        min(start_date) as start_date,
        nullif(max(end_date), date '9999-12-31') as end_date,
        max(reached) filter (where reached is null or start_date > reached) as previous_end
    from numbered
    group by participant_id, kind, run_number
)

select * from final
