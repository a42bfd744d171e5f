{#- The K-means feature before scaling (the notebook's recipe): natural log, values <= 0 counted as 1.
    Used by int_customer_kmeans_features only. -#}
{% macro log_feature(expression) %}
    ln(case when {{ expression }} > 0 then {{ expression }} else 1 end)
{% endmacro %}
