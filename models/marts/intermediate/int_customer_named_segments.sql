-- Each customer's named RFM segment, from percentile ranks so the map holds for any score_bins.
-- A step of dim_customer_segments (its only reader), a view the dim computes within its own query.
with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

-- The rank of the mean of the frequency and monetary ranks: 0..1, 1 = best; equal means share a rank.
ranks as (
    select
        customer_id,
        r_percentile,
        percent_rank() over (order by (f_percentile + m_percentile) / 2 asc) as fm_percentile
    from scores
),

quintiles as (
    select
        customer_id,
        r_percentile,
        fm_percentile,
        least(cast(floor(r_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as r_quintile,
        least(cast(floor(fm_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as fm_quintile
    from ranks
),

final as (
    select
        quintiles.customer_id,
        quintiles.r_percentile,
        quintiles.fm_percentile,
        quintiles.r_quintile,
        quintiles.fm_quintile,
        segment_map.rfm_segment
    from quintiles
    left join segment_map
        on quintiles.r_quintile = segment_map.r_quintile and quintiles.fm_quintile = segment_map.fm_quintile
)

select * from final
