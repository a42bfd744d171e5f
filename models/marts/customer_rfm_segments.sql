-- Each customer's named RFM segment, from percentile ranks so the map holds for any score_bins.
with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

-- Percentile ranks run 0..1 with 1 = best; equal values share a rank.
value_ranks as (
    select
        customer_id,
        percent_rank() over (order by recency_days desc) as r_percentile,
        (
            percent_rank() over (order by frequency asc)
            + percent_rank() over (order by monetary asc)
        ) / 2 as fm_mean_percentile
    from scores
),

ranks as (
    select
        customer_id,
        r_percentile,
        percent_rank() over (order by fm_mean_percentile asc) as fm_percentile
    from value_ranks
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
