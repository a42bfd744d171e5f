{{ config(full_refresh=file_state_full_refresh()) }}
-- depends_on: {{ ref('stg_source_files_to_load') }}
{%- set has_invoices = has_source_column('invoice_id') -%}
-- One row per customer and calendar period with a used line (var history_grain; months when history is
-- off): the per-file invoice days added up. int_customer_activity adds these rows up per customer and
-- the history per period end. A daily build recomputes the customers of its new files only.
with

days as (
    select * from {{ ref('int_invoice_day_activity') }}
    {{ touched_customers_only() }}
),

per_period as (
    select
        customer_id,
        {{ history_period_start('invoice_date') }} as period_start,
        min(first_purchase_at) as first_purchase_at,
        max(last_purchase_at) as last_purchase_at,
        max(last_activity_at) as last_activity_at,
        sum(purchase_lines) as purchase_lines,
        sum(return_lines) as return_lines,
        sum(purchase_amount) as purchase_amount,
        sum(return_amount) as return_amount
    from days
    group by customer_id, period_start
),

{% if has_invoices %}
    -- An invoice counts once, in the period of its first purchase day, whichever files its lines came in.
    invoice_first_days as (
        select
            customer_id,
            invoice_id,
            min(invoice_date) as first_purchase_date
        from days
        where purchase_lines > 0 and invoice_id is not null
        group by customer_id, invoice_id
    ),

    new_invoice_counts as (
        select
            customer_id,
            {{ history_period_start('first_purchase_date') }} as period_start,
            count(*) as new_invoices
        from invoice_first_days
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
