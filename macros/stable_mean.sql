{#- The mean of a double column whatever the order of the rows (see stable_sum). -#}
{% macro stable_mean(expression) %}
    {{- return(adapter.dispatch('stable_mean')(expression)) -}}
{% endmacro %}

{% macro default__stable_mean(expression) %}
    {{- exceptions.raise_compiler_error("stable_mean is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__stable_mean macro.") -}}
{% endmacro %}

{% macro duckdb__stable_mean(expression) %}
    {{- _exact_or_float('avg', expression) -}}
{% endmacro %}

{% macro spark__stable_mean(expression) %}
    {{- spark__stable_sum(expression) ~ ' / count(' ~ expression ~ ')' -}}
{% endmacro %}
