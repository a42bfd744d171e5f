{#- A date some whole days later (earlier when negative), still a date. -#}
{% macro add_days(date_expression, days) %}
    {{- return(adapter.dispatch('add_days')(date_expression, days)) -}}
{% endmacro %}

{% macro default__add_days(date_expression, days) %}
    {{- exceptions.raise_compiler_error("add_days is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__add_days macro.") -}}
{% endmacro %}

{% macro duckdb__add_days(date_expression, days) %}
    {{ date_expression }} + cast({{ days }} as integer)
{%- endmacro %}

{% macro spark__add_days(date_expression, days) %}
    date_add({{ date_expression }}, {{ days }})
{%- endmacro %}
