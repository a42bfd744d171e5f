-- MetricFlow's time spine: one row per day over the segment history (and a year either side).
with

periods as (
    select * from {{ ref('int_history_periods') }}
),

bounds as (
    select
        coalesce(min(period_start), current_date) - 366 as first_day,
        coalesce(max(as_of_date), current_date) + 366 as last_day
    from periods
),

final as (
    select cast(bounds.first_day + cast(day_number.range as {{ dbt.type_int() }}) as date) as date_day
    from bounds
    cross join range(0, bounds.last_day - bounds.first_day + 1) as day_number
)

select * from final
