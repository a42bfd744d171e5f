{#- True when a double is neither infinite nor NaN. -#}
{% macro is_finite(expression) %}
    {{- return(adapter.dispatch('is_finite')(expression)) -}}
{% endmacro %}

{% macro default__is_finite(expression) %}
    {{- exceptions.raise_compiler_error("is_finite is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__is_finite macro.") -}}
{% endmacro %}

{% macro duckdb__is_finite(expression) %}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite(expression) %}
    (not isnan({{ expression }}) and abs({{ expression }}) != double('infinity'))
{%- endmacro %}
