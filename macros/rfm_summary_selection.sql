{#- The columns of rfm_summary_columns() selected from a group, with the group's share of all customers
    and of all revenue (totals: a relation with all_customers and all_revenue). -#}
{% macro rfm_summary_selection(group, totals) %}
    {{ group }}.customers,
    cast({{ group }}.customers as double) / {{ totals }}.all_customers as customer_share,
    {{ group }}.revenue,
    {{ group }}.revenue / nullif({{ totals }}.all_revenue, 0) as revenue_share,
    {{ group }}.mean_recency_days,
    {{ group }}.median_recency_days,
    {{ group }}.mean_frequency,
    {{ group }}.median_frequency,
    {{ group }}.mean_monetary,
    {{ group }}.median_monetary
{%- endmacro %}
