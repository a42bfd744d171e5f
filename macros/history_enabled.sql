{#- A filter that keeps no rows when history is off (history_grain = none), so its models cost nothing. -#}
{% macro history_enabled() %}
    {{- 'true' if var('history_grain') != 'none' else 'false' -}}
{%- endmacro %}
