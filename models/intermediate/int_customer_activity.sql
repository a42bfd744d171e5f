-- One row per customer with any used line: purchase and return totals before the RFM rules.
-- Without an invoice column every line is its own purchase, so invoices = lines.
with

days as (
    select * from {{ ref('int_invoice_day_activity') }}
),

-- Exact decimal sums made double once; an invoice is one (customer, invoice) pair whichever files and
-- days its lines came in.
per_customer as (
    select
        customer_id,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at,
        max(last_activity_at) as last_activity_at,
        cast(sum(purchase_lines) as {{ dbt.type_bigint() }}) as purchase_lines,
        {% if has_source_column('invoice_id') -%}
            count(distinct case when purchase_lines > 0 then invoice_id end)
        {%- else -%}
            sum(purchase_lines)
        {%- endif %} as purchase_invoices,
        cast(sum(return_lines) as {{ dbt.type_bigint() }}) as return_lines,
        cast(coalesce(sum(purchase_amount), 0) as double) as purchase_amount,
        cast(coalesce(sum(return_amount), 0) as double) as return_amount
    from days
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
