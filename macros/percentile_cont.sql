{#- Linearly interpolated quantile of an expression (pandas' default), as an aggregate. -#}
{% macro percentile_cont(expression, fraction) %}
    {{- return(adapter.dispatch('percentile_cont')(expression, fraction)) -}}
{% endmacro %}

{% macro default__percentile_cont(expression, fraction) %}
    percentile({{ expression }}, {{ fraction }})
{% endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) %}
    quantile_cont({{ expression }}, {{ fraction }})
{% endmacro %}
