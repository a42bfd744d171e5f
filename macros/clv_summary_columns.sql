{#- Select-list aggregates of the CLV columns of a group of customers (segment_summary). -#}
{% macro clv_summary_columns() %}
    avg(p_alive) as mean_p_alive,
    avg(expected_purchases) as mean_expected_purchases,
    avg(predicted_clv) as mean_predicted_clv
{% endmacro %}
