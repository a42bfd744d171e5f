{{ config(full_refresh=file_state_full_refresh()) }}
-- depends_on: {{ ref('stg_source_files_to_load') }}
-- One row per customer with a purchase: the purchase days (lines on one day are one purchase, whichever
-- files and invoices they came in), the first and last of them, and the spend in all and on the first
-- day, what the CLV features need besides the as-of date. A daily build recomputes the customers of
-- its new files only.
with

days as (
    select * from {{ ref('int_invoice_day_activity') }}
    {{ touched_customers_only() }}
),

-- Exact decimals, as int_customer_activity sums: a float sum would depend on the threads' order.
purchase_days as (
    select
        customer_id,
        invoice_date as purchase_date,
        sum(purchase_amount) as day_amount
    from days
    where purchase_lines > 0
    group by customer_id, invoice_date
),

final as (
    select
        customer_id,
        count(*) as purchase_days,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        sum(day_amount) as purchase_amount,
        min_by(day_amount, purchase_date) as first_day_amount
    from purchase_days
    group by customer_id
)

select * from final
