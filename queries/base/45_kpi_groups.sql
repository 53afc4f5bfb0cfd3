-- Table macro kpi_groups(chosen_municipalities, chosen_grants): every group a KPI question gets a
-- row for, figures or not (kpis.sql, kpis_monthly.sql), one row per group of each grouping `group_by`:
-- 'municipality', each chosen municipality of the extract (all when none is chosen); 'grant',
-- each chosen grant (and null, the courses with no grant, when none is chosen); 'target_group',
-- 'variant', 'age_band', 'sex', every value of the contract (and null where it may be missing);
-- 'none', one row. The six group columns are null but the one grouped by.
create or replace macro kpi_groups(chosen_municipalities, chosen_grants) as table
    select
        'municipality' as group_by,
        municipality_code as municipality_code,
        cast(null as varchar) as grant_id,
        cast(null as varchar) as target_group,
        cast(null as varchar) as variant,
        cast(null as varchar) as age_band,
        cast(null as varchar) as sex
    from municipalities
    where
        (len(cast(chosen_municipalities as integer[])) = 0
            or list_contains(cast(chosen_municipalities as integer[]), municipality_code))
    union all
    select
        'grant' as group_by,
        null,
        grant_id,
        null,
        null,
        null,
        null
    from grants
    where len(cast(chosen_grants as varchar[])) = 0 or list_contains(cast(chosen_grants as varchar[]), grant_id)
    union all
    select
        'grant' as group_by,
        null,
        null,
        null,
        null,
        null,
        null
    where len(cast(chosen_grants as varchar[])) = 0
    union all
    select
        'target_group' as group_by,
        null,
        null,
        unnest(['psykiatri', 'misbrug']),
        null,
        null,
        null
    union all
    select
        'variant' as group_by,
        null,
        null,
        null,
        unnest(['IPS', 'IPS+']),
        null,
        null
    union all
    select
        'age_band' as group_by,
        null,
        null,
        null,
        null,
        unnest(['18-29', '30-39', '40-49', '50+', null]),
        null
    union all
    select
        'sex' as group_by,
        null,
        null,
        null,
        null,
        null,
        unnest(['K', 'M', null])
    union all
    select
        'none' as group_by,
        null,
        null,
        null,
        null,
        null,
        null;
