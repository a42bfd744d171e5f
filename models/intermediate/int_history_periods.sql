-- The calendar periods of the segment history (var history_grain), from the data's first purchase to
-- the as-of date: each period ends where the next starts, the last one at the build's as-of date.
with

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

bounds as (
    select
        min(first_purchase_date) as first_day,
        max(as_of_date) as as_of_date
    from customers
),

-- Day arithmetic only: every day with data, truncated to its period.
days as (
    select {{ add_days('bounds.first_day', 'day_number.day_offset') }} as data_day
    from bounds
    {{ cross_join_day_offsets(days_between_dates('bounds.first_day', 'bounds.as_of_date'), 'day_number') }}
    where {{ history_enabled() }}
),

period_starts as (
    select distinct {{ history_period_start('data_day') }} as period_start
    from days
),

numbered as (
    select
        period_start,
        lead(period_start) over (order by period_start) as next_period_start,
        row_number() over (order by period_start desc) as periods_back
    from period_starts
),

-- Reported: the last history_periods periods, without the data's first period when it started before
-- the first purchase (a partial period), unless it is the only one.
periods as (
    select
        numbered.period_start,
        coalesce(numbered.next_period_start, bounds.as_of_date) as as_of_date,
        numbered.periods_back <= {{ var('history_periods') }}
        and (numbered.period_start >= bounds.first_day or numbered.periods_back = 1) as is_reported
    from numbered
    cross join bounds
),

first_reported as (
    select min(as_of_date) as as_of_date
    from periods
    where is_reported
),

final as (
    select
        periods.period_start,
        periods.as_of_date,
        periods.is_reported,
        greatest(periods.as_of_date, first_reported.as_of_date) as reported_as_of_date,
        case
            when periods.is_reported
                then lag(periods.as_of_date) over (partition by periods.is_reported order by periods.as_of_date)
        end as previous_as_of_date
    from periods
    cross join first_reported
)

select * from final
