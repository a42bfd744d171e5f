-- The customer segment table for BI: one row per customer with both methods side by side, and CLV.
with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

segments as (
    select * from {{ ref('int_customer_named_segments') }}
),

clusters as (
    select * from {{ ref('customer_clusters') }}
),

profiles as (
    select * from {{ ref('cluster_profiles') }}
),

lifetime_values as (
    select * from {{ ref('customer_lifetime_value') }}
),

segment_changes as (
    select * from {{ ref('int_customer_segment_changes') }}
),

final as (
    select
        scores.customer_id,
        scores.recency_days,
        scores.frequency,
        scores.monetary,
        scores.r_score,
        scores.f_score,
        scores.m_score,
        scores.rfm_cell,
        scores.rfm_score,
        scores.rfm_tier_rank,
        scores.rfm_tier,
        segments.rfm_segment,
        clusters.cluster_id,
        profiles.cluster_label,
        clusters.distance_to_centroid,
        lifetime_values.p_alive,
        lifetime_values.expected_purchases,
        lifetime_values.predicted_clv,
        scores.first_purchase_date,
        scores.last_purchase_date,
        scores.as_of_date,
        segment_changes.previous_rfm_tier,
        segment_changes.previous_rfm_segment,
        segment_changes.rfm_segment_since
    from scores
    inner join segments on scores.customer_id = segments.customer_id
    inner join clusters on scores.customer_id = clusters.customer_id
    inner join profiles on clusters.cluster_id = profiles.cluster_id
    inner join lifetime_values on scores.customer_id = lifetime_values.customer_id
    left join segment_changes on scores.customer_id = segment_changes.customer_id
)

select * from final
