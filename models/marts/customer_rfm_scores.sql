-- The scoring rules live in the macro rfm_score_ctes, shared with customer_segment_history.
with

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

{{ rfm_score_ctes('customers') }}

final as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        {{ rfm_score_selection() }},
        r_percentile,
        f_percentile,
        m_percentile,
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from tiered
)

select * from final
