-- MetricFlow's time spine: one row per day over the segment history (and a year either side).
with

periods as (
    select * from {{ ref('int_history_periods') }}
),

bounds as (
    select
        {{ add_days('coalesce(min(period_start), current_date)', -366) }} as first_day,
        {{ add_days('coalesce(max(as_of_date), current_date)', 366) }} as last_day
    from periods
),

final as (
    select {{ add_days('bounds.first_day', 'day_number.day_offset') }} as date_day
    from bounds
    {{ cross_join_day_offsets(days_between_dates('bounds.first_day', 'bounds.last_day') ~ ' + 1', 'day_number') }}
)

select * from final
