-- Macro period_index(d, first_day, last_day, grain): which period of [first_day, last_day] day d
-- falls in, when the span is cut into calendar months (grain 'month'), quarters ('quarter') or
-- kept whole ('whole', or any other grain); 0 is the first period. A day before first_day gives -1,
-- a day after last_day after_every_period(), a null day null.
-- kpis.sql uses it to count each course once for all periods instead of once per period.
create or replace macro period_index(d, first_day, last_day, grain) as
    case
        when d is null then null
        when d < cast(first_day as date) then -1
        when d > cast(last_day as date) then after_every_period()
        when grain = 'month' then date_diff('month', cast(first_day as date), d)
        when grain = 'quarter' then date_diff('quarter', cast(first_day as date), d)
        else 0
    end
