-- The holdout of the CLV check: per customer of int_customer_rfm, the purchase days among the source's
-- lines on or after the as-of date (rejected from the build for that reason), and the holdout's length
-- in days (the as-of date to the last such line). Empty unless the var as_of_date is set: otherwise no
-- line can fall after it, and the source is not read again.
with

lines as (
    select * from {{ ref('stg_transaction_lines') }}
),

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

later_lines as (
    select
        customer_id as customer_key,
        invoice_date
    from lines
    where
        {% if var('as_of_date') -%}
            rejection_reason = 'on or after the as-of date'
            and not is_return
        {%- else -%}
            false
        {%- endif %}
),

per_customer as (
    select
        customer_key,
        count(distinct invoice_date) as purchases,
        -- The last line of any customer, new ones included, ends the holdout.
        max(max(invoice_date)) over () as holdout_end_date
    from later_lines
    group by customer_key
),

final as (
    select
        customers.customer_id,
        per_customer.purchases,
        {{ days_between_dates('customers.as_of_date', 'per_customer.holdout_end_date') }} + 1 as holdout_days
    from per_customer
    inner join customers on per_customer.customer_key = customers.customer_key
)

select * from final
