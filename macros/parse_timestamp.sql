{#- A raw timestamp as a timestamp in the var timezone; null when it cannot be read (the line is then
    rejected). Text is ISO 8601 or the var timestamp_format; a UTC offset, in text
    (2022-01-18T14:10:05+05:00) or in a typed column, is converted to the var timezone, never dropped. -#}
{% macro parse_timestamp(expression, column_type) %}
    {{- return(adapter.dispatch('parse_timestamp')(expression, column_type)) -}}
{% endmacro %}

{% macro default__parse_timestamp(expression, column_type) %}
    {{- exceptions.raise_compiler_error("parse_timestamp is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__parse_timestamp macro.") -}}
{% endmacro %}

{% macro duckdb__parse_timestamp(expression, column_type) %}
    {%- set type_name = (column_type or 'VARCHAR') | upper -%}
    {%- set zone = var('timezone') | replace("'", "''") -%}
    {%- if type_name == 'TIMESTAMP WITH TIME ZONE' -%}
        timezone('{{ zone }}', {{ expression }})
    {%- elif type_name.startswith('TIMESTAMP') or type_name == 'DATE' -%}
        cast({{ expression }} as timestamp)
    {%- elif var('timestamp_format') and '%z' in var('timestamp_format') -%}
        timezone('{{ zone }}', try_strptime(trim(cast({{ expression }} as varchar)), '{{ var("timestamp_format") | replace("'", "''") }}'))
    {%- elif var('timestamp_format') -%}
        try_strptime(trim(cast({{ expression }} as varchar)), '{{ var("timestamp_format") | replace("'", "''") }}')
    {%- else -%}
        case
            when regexp_matches(trim(cast({{ expression }} as varchar)), ':[0-9]{2}(\.[0-9]*)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$')
                then timezone('{{ zone }}', try_cast(trim(cast({{ expression }} as varchar)) as timestamptz))
            else try_cast(trim(cast({{ expression }} as varchar)) as timestamp)
        end
    {%- endif -%}
{% endmacro %}

{#- Spark runs in UTC (profiles.yml): a TIMESTAMP is an instant, shown in the var timezone as DuckDB shows
    a TIMESTAMP WITH TIME ZONE; TIMESTAMP_NTZ and dates are wall-clock times, taken as they are. -#}
{% macro spark__parse_timestamp(expression, column_type) %}
    {%- set type_name = (column_type or 'STRING') | upper -%}
    {%- set zone = sql_string(var('timezone')) -%}
    {%- set text = 'trim(' ~ as_text(expression) ~ ')' -%}
    {%- if type_name == 'TIMESTAMP' -%}
        from_utc_timestamp({{ expression }}, {{ zone }})
    {%- elif type_name.startswith('TIMESTAMP') or type_name == 'DATE' -%}
        cast({{ expression }} as timestamp)
    {%- elif var('timestamp_format') -%}
        {{- exceptions.raise_compiler_error("The var timestamp_format (strptime codes) is not supported on spark: write the timestamps as ISO 8601 text or as a timestamp column, or build on DuckDB.") -}}
    {%- else -%}
        case
            when {{ text }} rlike ':[0-9]{2}([.][0-9]*)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
                then from_utc_timestamp(try_cast({{ text }} as timestamp), {{ zone }})
            else try_cast({{ text }} as timestamp)
        end
    {%- endif -%}
{% endmacro %}
