{#- Linearly interpolated quantile of an expression (pandas' default), as an aggregate. -#}
{% macro percentile_cont(expression, fraction) %}
    {{- return(adapter.dispatch('percentile_cont')(expression, fraction)) -}}
{% endmacro %}

{% macro default__percentile_cont(expression, fraction) %}
    {{- exceptions.raise_compiler_error("percentile_cont is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__percentile_cont macro (an exact, linearly interpolated quantile).") -}}
{% endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) %}
    quantile_cont({{ expression }}, {{ fraction }})
{% endmacro %}

{#- Spark's percentile is exact and interpolates linearly (percentile_approx would not match). -#}
{% macro spark__percentile_cont(expression, fraction) %}
    percentile({{ expression }}, {{ fraction }})
{% endmacro %}
