{#- Raw text or a typed value to a timestamp; null when it cannot be read (the row is then rejected). -#}
{% macro parse_timestamp(expression) %}
    {{- return(adapter.dispatch('parse_timestamp')(expression, var('timestamp_format'))) -}}
{% endmacro %}

{% macro default__parse_timestamp(expression, timestamp_format) %}
    {%- if timestamp_format -%}
        to_timestamp(cast({{ expression }} as {{ dbt.type_string() }}), '{{ timestamp_format }}')
    {%- else -%}
        try_cast({{ expression }} as timestamp)
    {%- endif -%}
{% endmacro %}

{% macro duckdb__parse_timestamp(expression, timestamp_format) %}
    {%- if timestamp_format -%}
        try_strptime(cast({{ expression }} as varchar), '{{ timestamp_format | replace("'", "''") }}')
    {%- else -%}
        try_cast({{ expression }} as timestamp)
    {%- endif -%}
{% endmacro %}
