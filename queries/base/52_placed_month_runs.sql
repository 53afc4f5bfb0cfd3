-- View placed_month_runs: one row per course, kind and run of months in which the course is placed.
-- Contract, "Counting placement" and "Placement rate in [a, b]" for periods of whole months.
--
-- The months each course is placed, as runs of months, per kind ('job', 'uddannelse') and for
-- either ('any'). A counting placement makes its course placed in every month from the one it
-- starts in to the one it ends in or the course exits in, whichever is earlier (a placement or
-- course still open ends after_every_period()).
-- Runs that touch or follow each other without a month between them are one run;
-- previous_end_month is the end of the course's run of the kind before (null for the first).
create or replace view placed_month_runs as
with

-- Each counting placement once for its own kind and once for 'any'.
spans as (
    select
        participant_id,
        municipality_code,
        grant_id,
        target_group,
        variant,
        age_band,
        sex,
        unnest([kind, 'any']) as kind,
        month_number(start_date) as start_month,
        least(
            coalesce(month_number(end_date), after_every_period()),
            coalesce(month_number(exit_date), after_every_period())
        ) as end_month,
        record_key
    from counting_placements
),

-- How far the course's spans of the kind that start in an earlier month reach; a span that starts
-- more than a month after that begins a new run. Both windows frame by start month (range), never
-- by row: spans that start in the same month are in one run whatever order they are read in (a
-- row frame over tied spans, two placements with the same months, numbered them in an order of
-- the engine's choosing, split the course into two runs and counted it twice as placed).
reached as (
    select
        *,
        max(end_month) over (
            partition by participant_id, kind
            order by start_month
            range between unbounded preceding and 1 preceding
        ) as reached
    from spans
),

-- Spans with the same start month share `reached` and so the run number: the numbers of a course's
-- runs grow with their start but need not be consecutive.
numbered as (
    select
        *,
        sum(case when reached is null or start_month > reached + 1 then 1 else 0 end) over (
            partition by participant_id, kind
            order by start_month
            range between unbounded preceding and current row
        ) as run_number
    from reached
)

select
    participant_id,
    any_value(municipality_code) as municipality_code,
    any_value(grant_id) as grant_id,
    any_value(target_group) as target_group,
    any_value(variant) as variant,
    any_value(age_band) as age_band,
    any_value(sex) as sex,
    kind,
    min(start_month) as start_month,
    max(end_month) as end_month,
    max(reached) filter (where reached is null or start_month > reached + 1) as previous_end_month,
    any_value(record_key) as record_key
from numbered
group by participant_id, kind, run_number;
