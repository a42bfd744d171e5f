{#- Segment history (var history_grain): the calendar period a date falls in, as the date it starts. -#}
{% macro history_period_start(date_expression) %}
    {%- set grain = var('history_grain') if var('history_grain') != 'none' else 'month' -%}
    cast(date_trunc({{ sql_string(grain) }}, {{ date_expression }}) as date)
{%- endmacro %}
