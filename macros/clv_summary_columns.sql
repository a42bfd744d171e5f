{#- Select-list aggregates of the CLV columns of a group of customers (segment_summary). -#}
{% macro clv_summary_columns() %}
    {{ exact_mean('p_alive') }} as mean_p_alive,
    {{ exact_mean('expected_purchases') }} as mean_expected_purchases,
    {{ exact_mean('predicted_clv') }} as mean_predicted_clv
{% endmacro %}
