-- How current the extract is, one row per municipality by name: the view extract_dates
-- (queries/base/60_extract_dates.sql).
select * from extract_dates
order by municipality
