-- The K-means input, the one place its recipe lives: per customer the text key, a sample key (a hash
-- of the customer key: distinct per customer, independent of row order) and the log features.
with

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

final as (
    select
        customer_id,
        {{ sample_key('customer_key') }} as sample_key,
        recency_days,
        frequency,
        monetary,
        {{ log_feature('recency_days') }} as log_recency,
        {{ log_feature('frequency') }} as log_frequency,
        {{ log_feature('monetary') }} as log_monetary
    from customers
)

select * from final
