-- Exits by reason, one row per month that touches [$from, $to] and per exit reason of the contract
-- (afsluttet, frafald, flyttet, andet), zeros included. Each month is clipped to [$from, $to], so
-- the months' counts add up to the period's.
--
-- Definition (data-contract.md, "Definitions"): exits in [a, b] are the courses whose exit_date lies
-- in [a, b], whether they left from the waiting list or after enrollment; exit_reason is set iff
-- exit_date is. Filters as in kpis.sql: $municipalities (integer list, empty = all), $grants (text
-- list, empty = all), $target_group and $variant (null = all).
-- exits_key is the count's cell key (the sum of its courses' record keys modulo 256,
-- ipsdash/privacy.py): a month's reasons together have the key of kpis.sql's exits of that month.
with

months as (
    select
        cast(month_start as date) as period_start,
        greatest(cast(month_start as date), cast($from as date)) as period_from,
        least(cast(month_start + interval 1 month - interval 1 day as date), cast($to as date)) as period_to
    from (
        select unnest(generate_series(date_trunc('month', cast($from as date)), cast($to as date), interval 1 month))
            as month_start
    )
),

reasons as (
    select unnest(['afsluttet', 'frafald', 'flyttet', 'andet']) as exit_reason
),

selected as (
    select
        exit_date,
        exit_reason,
        record_key
    from courses
    where
        exit_date between cast($from as date) and cast($to as date)
        and (len(cast($municipalities as integer[])) = 0
            or list_contains(cast($municipalities as integer[]), municipality_code))
        and (len(cast($grants as varchar[])) = 0 or list_contains(cast($grants as varchar[]), grant_id))
        and ($target_group is null or target_group = $target_group)
        and ($variant is null or variant = $variant)
),

counted as (
    select
        months.period_start as period_start,
        selected.exit_reason as exit_reason,
        count(*) as exits,
        sum(selected.record_key) % 256 as exits_key
    from selected
    inner join months
        on selected.exit_date between months.period_from and months.period_to
    group by
        months.period_start,
        selected.exit_reason
),

final as (
    select
        months.period_start as period_start,
        reasons.exit_reason as exit_reason,
        coalesce(counted.exits, 0) as exits,
        cast(coalesce(counted.exits_key, 0) as smallint) as exits_key
    from months
    cross join reasons
    left join counted
        on
            months.period_start = counted.period_start
            and reasons.exit_reason = counted.exit_reason
)

select * from final
order by
    period_start,
    exit_reason
