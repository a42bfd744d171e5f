{#- Select-list aggregates that describe a group of customers (segment_summary, cluster_profiles). -#}
{% macro rfm_summary_columns() %}
    count(*) as customers,
    {{ stable_sum('monetary') }} as revenue,
    avg(recency_days) as mean_recency_days,
    {{ percentile_cont('recency_days', 0.5) }} as median_recency_days,
    avg(frequency) as mean_frequency,
    {{ percentile_cont('frequency', 0.5) }} as median_frequency,
    {{ stable_mean('monetary') }} as mean_monetary,
    {{ percentile_cont('monetary', 0.5) }} as median_monetary
{% endmacro %}
