{#- The K-means feature before scaling: natural log, values <= 0 counted as 1 (the notebook's recipe,
    as segmentation.kmeans applies it). -#}
{% macro log_feature(expression) %}
    ln(case when {{ expression }} > 0 then {{ expression }} else 1 end)
{% endmacro %}
