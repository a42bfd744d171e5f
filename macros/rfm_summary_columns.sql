{#- Select-list aggregates that describe a group of customers (segment_summary, cluster_profiles); the
    medians come from rfm_median_ctes. -#}
{% macro rfm_summary_columns() %}
    count(*) as customers,
    {{ stable_sum('monetary') }} as revenue,
    avg(recency_days) as mean_recency_days,
    avg(frequency) as mean_frequency,
    {{ stable_mean('monetary') }} as mean_monetary
{% endmacro %}
