-- Macros the views and queries share: each returns one value per row it is called on (scalar
-- macros, expanded where they are called, so a query plans as if their text stood there).

-- month_number(d): the month of day d, numbered year * 12 + month - 1, as the monthly cube numbers
-- its months (queries/base/50_monthly_span.sql and after).
create or replace macro month_number(d) as year(d) * 12 + month(d) - 1;

-- after_every_period(): a month number or period index later than every real one (a month number
-- of a real day is below 12 * 10000). It stands for "not ended": the end of a placement or course
-- still open, and a day after the period asked about (period_index).
create or replace macro after_every_period() as 1000000;

-- is_chosen(municipality_code, grant_id, target_group, variant, chosen_municipalities,
-- chosen_grants, chosen_target_group, chosen_variant): whether a course (or a row of the cube with
-- its group columns) is one the filters choose. chosen_municipalities (integer list) and
-- chosen_grants (text list): empty = all; chosen_target_group and chosen_variant: null = all.
-- The filters of kpis.sql and kpis_monthly.sql ($municipalities, $grants, $target_group, $variant).
create or replace macro is_chosen(
    municipality_code,
    grant_id,
    target_group,
    variant,
    chosen_municipalities,
    chosen_grants,
    chosen_target_group,
    chosen_variant
) as
    (len(cast(chosen_municipalities as integer[])) = 0
        or list_contains(cast(chosen_municipalities as integer[]), municipality_code))
    and (len(cast(chosen_grants as varchar[])) = 0 or list_contains(cast(chosen_grants as varchar[]), grant_id))
    and (chosen_target_group is null or target_group = chosen_target_group)
    and (chosen_variant is null or variant = chosen_variant);

-- group_key(group_by, group_name, value): a group column of a KPI question's row, `value` when the
-- question groups by `group_name` ('municipality', 'grant', 'target_group', 'variant', 'age_band',
-- 'sex'), else null; so one query serves every grouping (kpis.sql's $by, kpis_monthly.sql's $bys).
create or replace macro group_key(group_by, group_name, value) as case when group_by = group_name then value end;

-- placed_figure(kind): the name of the figure "placed in [a, b]" for a kind of counting placement
-- of the contract ('job', 'uddannelse') or for either ('any'): placed_job, placed_education,
-- placed_any. Kinds are data (the contract's values); figures are named in English.
create or replace macro placed_figure(kind) as
    case kind
        when 'any' then 'placed_any'
        when 'job' then 'placed_job'
        when 'uddannelse' then 'placed_education'
    end;
