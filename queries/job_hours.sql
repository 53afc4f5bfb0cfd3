-- Hours per week of the courses in job in [$from, $to]: one row per hours band, every band, zeros too.
--
-- The courses are the job rate's numerator (data-contract.md, "Placement rate", kind = 'job'):
-- active in [a, b] with a counting job placement that overlaps [a, b]. Each course counts once,
-- in the band of the counting job that started last in [.., b] (the job it had most recently;
-- on the same start day the one with more hours), so the bands add up to that numerator.
-- Bands: under 10, 10 to under 20, 20 to under 30, 30 to 37 (37 is the Danish full-time
-- week), over 37, and not given (hours_per_week is null).
-- Filters: $municipalities (integer list, empty = all), $grants (text list, empty = all),
-- $target_group and $variant (null = all), as in kpis.sql.
with

bands as (
    select
        band_order,
        band
    from (
        values
        (1, 'under_10'),
        (2, '10_19'),
        (3, '20_29'),
        (4, '30_37'),
        (5, 'over_37'),
        (6, 'unknown')
    ) as t (band_order, band)
),

selected as (
    select *
    from courses
    where
        (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), municipality_code))
        and (len(cast($grants as varchar[])) = 0 or list_contains(cast($grants as varchar[]), grant_id))
        and ($target_group is null or target_group = $target_group)
        and ($variant is null or variant = $variant)
        -- Active in [a, b].
        and enrollment_date <= cast($to as date)
        and (exit_date is null or exit_date >= cast($from as date))
),

jobs as (
    select
        selected.participant_id as participant_id,
        counting_placements.hours_per_week as hours_per_week,
        counting_placements.record_key as record_key,
        row_number() over (
            partition by selected.participant_id
            order by counting_placements.start_date desc, counting_placements.hours_per_week desc nulls last
        ) as job_rank
    from selected
    inner join counting_placements
        on selected.participant_id = counting_placements.participant_id
    where
        counting_placements.kind = 'job'
        and counting_placements.start_date <= cast($to as date)
        and (counting_placements.end_date is null or counting_placements.end_date >= cast($from as date))
),

in_band as (
    select
        case
            when hours_per_week is null then 'unknown'
            when hours_per_week < 10 then 'under_10'
            when hours_per_week < 20 then '10_19'
            when hours_per_week < 30 then '20_29'
            when hours_per_week <= 37 then '30_37'
            else 'over_37'
        end as band,
        count(*) as courses,
        sum(record_key) % 256 as courses_key
    from jobs
    where job_rank = 1
    group by band
),

final as (
    select
        bands.band_order as band_order,
        bands.band as band,
        coalesce(in_band.courses, 0) as courses,
        cast(coalesce(in_band.courses_key, 0) as integer) as courses_key
    from bands
    left join in_band
        on bands.band = in_band.band
)

select * from final
order by band_order
