{%- set frequency_column = 'new_invoices'
    if var('frequency_basis') == 'invoices' and has_source_column('invoice_id')
    else 'purchase_lines' -%}
-- One row per customer per reported period end (as_of_date) once the customer has bought: recency,
-- frequency and monetary as of that date, by the rules of int_customer_rfm, from running totals of the
-- per-period activity (the log is read once, in int_customer_period_activity).
with

activity as (
    select * from {{ ref('int_customer_period_activity') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

reported_periods as (
    select as_of_date
    from periods
    where is_reported
),

-- Each period's activity counts from the first reported period end after it on.
folded as (
    select
        activity.customer_id,
        periods.reported_as_of_date as as_of_date,
        max(activity.last_purchase_at) as last_purchase_at,
        sum(activity.purchase_lines) as purchase_lines,
        sum(activity.{{ frequency_column }}) as new_purchases,
        sum(activity.purchase_amount) as purchase_amount,
        sum(activity.return_amount) as return_amount
    from activity
    inner join periods on activity.period_start = periods.period_start
    where {{ history_enabled() }}
    group by activity.customer_id, periods.reported_as_of_date
),

first_periods as (
    select
        customer_id,
        min(as_of_date) as first_as_of_date
    from folded
    group by customer_id
),

-- Every reported period end from the customer's first activity on, with or without activity in it.
grid as (
    select
        first_periods.customer_id,
        reported_periods.as_of_date
    from first_periods
    inner join reported_periods on first_periods.first_as_of_date <= reported_periods.as_of_date
),

running as (
    select
        grid.customer_id,
        grid.as_of_date,
        max(folded.last_purchase_at) over customer_periods as last_purchase_at,
        sum(folded.purchase_lines) over customer_periods as purchase_lines,
        sum(folded.new_purchases) over customer_periods as purchases,
        -- Exact decimals added up, then made double as int_customer_activity does.
        cast(coalesce(sum(folded.purchase_amount) over customer_periods, 0) as double) as purchase_amount,
        cast(coalesce(sum(folded.return_amount) over customer_periods, 0) as double) as return_amount
    from grid
    left join folded on grid.customer_id = folded.customer_id and grid.as_of_date = folded.as_of_date
    window customer_periods as (
        partition by grid.customer_id order by grid.as_of_date rows between unbounded preceding and current row
    )
),

final as (
    select
        customer_id as customer_key,
        {{ customer_id_text('customer_id') }} as customer_id,
        as_of_date,
        {{ whole_days_between('last_purchase_at', 'as_of_date') }} as recency_days,
        cast(purchases as {{ dbt.type_bigint() }}) as frequency,
        purchase_amount + return_amount as monetary
    from running
    where purchase_lines > 0
)

select * from final
