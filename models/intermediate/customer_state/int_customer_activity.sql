{{ config(full_refresh=file_state_full_refresh()) }}
-- depends_on: {{ ref('stg_source_files_to_load') }}
-- depends_on: {{ ref('int_invoice_day_activity') }}
-- One row per customer with any used line: purchase and return totals before the RFM rules, the
-- customer's periods added up. Without an invoice column every line is its own purchase, so invoices =
-- lines. A daily build recomputes the customers of its new files only.
with

periods as (
    select * from {{ ref('int_customer_period_activity') }}
    {{ touched_customers_only() }}
),

-- Exact decimal sums made double once; each invoice is counted in one period only.
per_customer as (
    select
        customer_id,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at,
        max(last_activity_at) as last_activity_at,
        cast(sum(purchase_lines) as {{ dbt.type_bigint() }}) as purchase_lines,
        cast(sum(new_invoices) as {{ dbt.type_bigint() }}) as purchase_invoices,
        cast(sum(return_lines) as {{ dbt.type_bigint() }}) as return_lines,
        cast(coalesce(sum(purchase_amount), 0) as double) as purchase_amount,
        cast(coalesce(sum(return_amount), 0) as double) as return_amount
    from periods
    group by customer_id
),

final as (
    select
        customer_id,
        first_purchase_at,
        last_purchase_at,
        last_activity_at,
        purchase_lines,
        purchase_invoices,
        return_lines,
        purchase_amount,
        return_amount,
        purchase_lines > 0 as has_purchase
    from per_customer
)

select * from final
