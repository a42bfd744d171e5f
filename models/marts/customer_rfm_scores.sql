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
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        {{ rfm_cell('r_score', 'f_score', 'm_score') }} as rfm_cell,
        cast(rfm_score as {{ dbt.type_int() }}) as rfm_score,
        cast(tier_rank as {{ dbt.type_int() }}) as rfm_tier_rank,
        {{ rfm_tier_label('tier_rank') }} as rfm_tier,
        r_percentile,
        f_percentile,
        m_percentile,
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from tiered
)

select * from final
