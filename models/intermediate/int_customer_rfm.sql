{%- set frequency_column = 'purchase_invoices'
    if var('frequency_basis') == 'invoices' and has_source_column('invoice_id')
    else 'purchase_lines' -%}

with

activity as (
    select * from {{ ref('int_customer_activity') }}
),

as_of as (
    {% if var('as_of_date') -%}
        select cast({{ sql_string(var('as_of_date')) }} as date) as as_of_date
    {%- else -%}
        select {{ dbt.dateadd('day', 1, 'cast(max(last_activity_at) as date)') }} as as_of_date
        from activity
    {%- endif %}
),

customers as (
    select * from activity
    where has_purchase
),

final as (
    select
        customers.customer_id as customer_key,
        {{ customer_id_text('customers.customer_id') }} as customer_id,
        cast(customers.first_purchase_at as date) as first_purchase_date,
        cast(customers.last_purchase_at as date) as last_purchase_date,
        customers.last_purchase_at,
        {{ whole_days_between('customers.last_purchase_at', 'as_of.as_of_date') }} as recency_days,
        customers.{{ frequency_column }} as frequency,
        customers.purchase_amount + customers.return_amount as monetary,
        customers.purchase_lines,
        customers.purchase_invoices,
        customers.return_lines,
        cast(as_of.as_of_date as date) as as_of_date
    from customers
    cross join as_of
)

select * from final
