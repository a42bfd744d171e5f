-- The holdout of the CLV check: per customer of int_customer_rfm, the purchase days on or after the
-- as-of date (int_holdout_purchase_days: lines the build rejects for that reason), and the holdout's
-- length in days (the as-of date to the last such day). Empty unless the var as_of_date is set.
with

later_days as (
    select * from {{ ref('int_holdout_purchase_days') }}
),

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

per_customer as (
    select
        customer_id as customer_key,
        count(distinct invoice_date) as purchases,
        -- The last line of any customer, new ones included, ends the holdout.
        max(max(invoice_date)) over () as holdout_end_date
    from later_days
    group by customer_id
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
