{#- The K-means feature before scaling (the notebook's recipe): natural log, values <= 0 counted as 1.
    Used by int_customer_kmeans_features and customer_segment_history (clusters over time). -#}
{% macro log_feature(expression) %}
    ln(case when {{ expression }} > 0 then {{ expression }} else 1 end)
{% endmacro %}
