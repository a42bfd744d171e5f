-- Each customer's named RFM segment, from percentile ranks so the map holds for any score_bins.
-- A step of dim_customer_segments (its only reader), a view the dim computes within its own query.
-- The rules live in the macro rfm_segment_ctes, shared with customer_segment_history.
with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

{{ rfm_segment_ctes('scores') }}

final as (
    select
        customer_id,
        r_percentile,
        fm_percentile,
        r_quintile,
        fm_quintile,
        rfm_segment
    from segmented
)

select * from final
