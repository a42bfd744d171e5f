{#- Whole days from one date to another (later dates give positive counts). -#}
{% macro days_between_dates(start_date, end_date) %}
    {{- return(adapter.dispatch('days_between_dates')(start_date, end_date)) -}}
{% endmacro %}

{% macro default__days_between_dates(start_date, end_date) %}
    {{- exceptions.raise_compiler_error("days_between_dates is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__days_between_dates macro.") -}}
{% endmacro %}

{% macro duckdb__days_between_dates(start_date, end_date) %}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{#- Spark's date - date is an interval, not a number. -#}
{% macro spark__days_between_dates(start_date, end_date) %}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
