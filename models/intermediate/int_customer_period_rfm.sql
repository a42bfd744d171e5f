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

-- Running totals over the customer's periods with activity only (fewer rows than every period end),
-- each valid until the customer's next period with activity.
running as (
    select
        customer_id,
        as_of_date,
        -- Its own window: Spark allows no frame clause on lead.
        lead(as_of_date) over (partition by customer_id order by as_of_date) as next_as_of_date,
        max(last_purchase_at) over customer_periods as last_purchase_at,
        sum(purchase_lines) over customer_periods as purchase_lines,
        sum(new_purchases) over customer_periods as purchases,
        -- Exact decimals added up, then made double as int_customer_activity does.
        cast(coalesce(sum(purchase_amount) over customer_periods, 0) as double) as purchase_amount,
        cast(coalesce(sum(return_amount) over customer_periods, 0) as double) as return_amount
    from folded
    window customer_periods as (
        partition by customer_id order by as_of_date rows between unbounded preceding and current row
    )
),

-- Every reported period end from the customer's first activity on, with the totals valid there.
spread as (
    select
        running.customer_id,
        reported_periods.as_of_date,
        running.last_purchase_at,
        running.purchase_lines,
        running.purchases,
        running.purchase_amount,
        running.return_amount
    from running
    inner join reported_periods
        on
            running.as_of_date <= reported_periods.as_of_date
            and (running.next_as_of_date is null or running.next_as_of_date > reported_periods.as_of_date)
),

final as (
    select
        customer_id as customer_key,
        {{ customer_id_text('customer_id') }} as customer_id,
        as_of_date,
        {{ whole_days_between('last_purchase_at', 'as_of_date') }} as recency_days,
        cast(purchases as {{ dbt.type_bigint() }}) as frequency,
        purchase_amount + return_amount as monetary
    from spread
    where purchase_lines > 0
)

select * from final
