{#- Named segments: CTEs reading `source` (customer_id, r_percentile, f_percentile, m_percentile and
    the partition column) and `segment_map` (the seed rfm_segment_map), ending in the CTE `segmented`.
    The grid is the recency rank and the rank of the mean of the frequency and monetary ranks, each
    cut into fifths (0..1, 1 = best; equal values share a rank), so it holds for any score_bins. -#}
{% macro rfm_segment_ctes(source, partition_by=none) %}
    {%- set over = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    segment_ranks as (
        select
            {{ source }}.*,
            percent_rank() over ({{ over }}order by (f_percentile + m_percentile) / 2 asc) as fm_percentile
        from {{ source }}
    ),

    quintiles as (
        select
            *,
            least(cast(floor(r_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as r_quintile,
            least(cast(floor(fm_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as fm_quintile
        from segment_ranks
    ),

    segmented as (
        select
            quintiles.*,
            segment_map.rfm_segment
        from quintiles
        left join segment_map
            on quintiles.r_quintile = segment_map.r_quintile and quintiles.fm_quintile = segment_map.fm_quintile
    ),
{% endmacro %}
