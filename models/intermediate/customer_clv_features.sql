-- The CLV input, one row per customer of int_customer_rfm: the BG/NBD summary (x, t_x, T) and the mean
-- spend of the repeat purchases, from purchase days (lines on one day are one purchase), in the unit
-- of the var clv_time_unit. T runs to the last day before the as-of date, as the CDNOW paper counted.
-- A view: the CLV models read it as they run (writing it as a table cost more than computing it twice).
{{ config(materialized='view') }}
{%- set period_days = 7 if var('clv_time_unit') == 'week' else 1 %}

with

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

per_customer as (
    select
        customer_id as customer_key,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        purchase_amount,
        first_day_amount
    from {{ ref('int_customer_purchase_days') }}
),

-- Whole days between purchase days, and the repeat spend.
spans as (
    select
        customers.customer_id,
        {{ sample_key('customers.customer_key') }} as sample_key,
        per_customer.purchase_days - 1 as repeat_purchases,
        {{ days_between_dates('per_customer.first_purchase_date', 'per_customer.last_purchase_date') }} as recency_days,
        {{ days_between_dates('per_customer.first_purchase_date', 'customers.as_of_date') }} - 1 as age_days,
        per_customer.purchase_amount - per_customer.first_day_amount as repeat_amount,
        per_customer.first_purchase_date,
        per_customer.last_purchase_date,
        customers.as_of_date
    from customers
    inner join per_customer on customers.customer_key = per_customer.customer_key
),

final as (
    select
        customer_id,
        sample_key,
        repeat_purchases,
        recency_days / {{ period_days }}.0 as recency_periods,
        age_days / {{ period_days }}.0 as age_periods,
        case when repeat_purchases > 0 then cast(repeat_amount as double) / repeat_purchases end as mean_repeat_value,
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from spans
)

select * from final
