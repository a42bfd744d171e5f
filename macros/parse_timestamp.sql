{#- A raw timestamp as a timestamp in the var timezone; null when it cannot be read (the line is then
    rejected). Text is ISO 8601 or the var timestamp_format; a UTC offset, in text
    (2022-01-18T14:10:05+05:00) or in a typed column, is converted to the var timezone, never dropped. -#}
{% macro parse_timestamp(expression, column_type) %}
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
