{#- Select-list aggregates of the CLV columns of a group of customers (segment_summary). -#}
{% macro clv_summary_columns() %}
    {{ stable_mean('p_alive') }} as mean_p_alive,
    {{ stable_mean('expected_purchases') }} as mean_expected_purchases,
    {{ stable_mean('predicted_clv') }} as mean_predicted_clv
{% endmacro %}
