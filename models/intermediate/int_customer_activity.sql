-- One row per customer with any used line: purchase and return totals before the RFM rules.
-- Without an invoice column every line is its own purchase, so invoices = lines.
with

{% if var('history_grain') != 'none' %}
    -- With history on, the log is read once, per customer and period (int_customer_period_activity),
    -- and added up here; exact decimals and first-seen invoices make the sums equal to one pass.
    periods as (
        select * from {{ ref('int_customer_period_activity') }}
    ),

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
{% else %}
    transactions as (
        select * from {{ ref('int_used_lines') }}
    ),

    per_customer as (
        select
            customer_id,
            min(case when not is_return then invoiced_at end) as first_purchase_at,
            max(case when not is_return then invoiced_at end) as last_purchase_at,
            max(invoiced_at) as last_activity_at,
            count(case when not is_return then 1 end) as purchase_lines,
            {% if has_source_column('invoice_id') -%}
                count(distinct case when not is_return then invoice_id end)
            {%- else -%}
                count(case when not is_return then 1 end)
            {%- endif %} as purchase_invoices,
            count(case when is_return then 1 end) as return_lines,
            -- Summed as exact decimals (to 1/100 of a cent): a float sum depends on the order DuckDB's
            -- threads add in, and the last bit would move scores and clusters between identical builds.
            cast(coalesce(sum(case when not is_return then cast(line_amount as decimal(18, 4)) end), 0) as double)
                as purchase_amount,
            cast(coalesce(sum(case when is_return then cast(line_amount as decimal(18, 4)) end), 0) as double)
                as return_amount
        from transactions
        group by customer_id
    ),
{% endif %}

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
