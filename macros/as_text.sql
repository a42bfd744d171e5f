{#- An expression cast to the engine's text type. -#}
{% macro as_text(expression) %}
    {{- return(adapter.dispatch('as_text')(expression)) -}}
{% endmacro %}

{% macro default__as_text(expression) %}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__as_text(expression) %}
    cast({{ expression }} as varchar)
{%- endmacro %}

{% macro spark__as_text(expression) %}
    cast({{ expression }} as string)
{%- endmacro %}
