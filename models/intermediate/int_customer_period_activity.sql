{%- set has_invoices = has_source_column('invoice_id') -%}
-- One row per customer and calendar period with a used line (var history_grain): the totals of
-- int_customer_activity per period, made in the build's one pass over the log. int_customer_activity
-- adds them up per customer and the history per period end, so neither reads the log again.
with

lines as (
    select * from {{ ref('int_used_lines') }}
),

-- One step per invoice and period first, so an invoice counts once, in the period it was first bought in.
invoice_periods as {{ materialized_cte() }} (
    select
        customer_id,
        invoice_id,
        {{ history_period_start('invoice_date') }} as period_start,
        min(case when not is_return then invoiced_at end) as first_purchase_at,
        max(case when not is_return then invoiced_at end) as last_purchase_at,
        max(invoiced_at) as last_activity_at,
        count(case when not is_return then 1 end) as purchase_lines,
        count(case when is_return then 1 end) as return_lines,
        -- Exact decimals, as in int_customer_activity: the sums do not depend on the order of addition.
        sum(case when not is_return then cast(line_amount as decimal(18, 4)) end) as purchase_amount,
        sum(case when is_return then cast(line_amount as decimal(18, 4)) end) as return_amount
    from lines
    where {{ history_enabled() }}
    group by customer_id, invoice_id, period_start
),

per_period as (
    select
        customer_id,
        period_start,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at,
        max(last_activity_at) as last_activity_at,
        sum(purchase_lines) as purchase_lines,
        sum(return_lines) as return_lines,
        sum(purchase_amount) as purchase_amount,
        sum(return_amount) as return_amount
    from invoice_periods
    group by customer_id, period_start
),

{% if has_invoices %}
    invoice_first_periods as (
        select
            customer_id,
            invoice_id,
            min(period_start) as period_start
        from invoice_periods
        where purchase_lines > 0 and invoice_id is not null
        group by customer_id, invoice_id
    ),

    new_invoice_counts as (
        select
            customer_id,
            period_start,
            count(*) as new_invoices
        from invoice_first_periods
        group by customer_id, period_start
    ),
{% else %}
    -- Without an invoice column each purchase line is its own invoice.
    new_invoice_counts as (
        select
            customer_id,
            period_start,
            purchase_lines as new_invoices
        from per_period
    ),
{% endif %}

final as (
    select
        per_period.customer_id,
        per_period.period_start,
        per_period.first_purchase_at,
        per_period.last_purchase_at,
        per_period.last_activity_at,
        cast(per_period.purchase_lines as {{ dbt.type_bigint() }}) as purchase_lines,
        cast(coalesce(new_invoice_counts.new_invoices, 0) as {{ dbt.type_bigint() }}) as new_invoices,
        cast(per_period.return_lines as {{ dbt.type_bigint() }}) as return_lines,
        per_period.purchase_amount,
        per_period.return_amount
    from per_period
    left join new_invoice_counts
        on
            per_period.customer_id = new_invoice_counts.customer_id
            and per_period.period_start = new_invoice_counts.period_start
)

select * from final
