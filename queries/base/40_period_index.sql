-- Macro period_index(d, first_day, last_day, grain): which period of [first_day, last_day] day d
-- falls in, when the span is cut into calendar months (grain 'month'), quarters ('quarter') or
-- kept whole (any other grain); 0 is the first period. A day before first_day gives -1, a day
-- after last_day 1000000 (after every period), a null day null. kpis.sql uses it to count each
-- course once for all periods instead of once per period.
create or replace macro period_index(d, first_day, last_day, grain) as
    case
        when d is null then null
        when d < first_day then -1
        when d > last_day then 1000000
        when grain = 'month' then date_diff('month', first_day, d)
        when grain = 'quarter' then date_diff('quarter', first_day, d)
        else 0
    end
