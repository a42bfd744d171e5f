{#- The vars that decide which lines a file contributes, how they read and how the per-customer tables
    group them (history_grain), as JSON: stored with every loaded file, so a later build under other
    settings stops instead of mixing the two. -#}
{% macro load_settings() %}
    {%- set names = [
        'source_path', 'source_format', 'source_columns', 'csv_header', 'csv_delimiter', 'csv_encoding',
        'decimal_separator', 'timestamp_format', 'timezone', 'as_of_date', 'returns_policy',
        'zero_price_policy', 'duplicate_lines', 'country_filter', 'history_grain'] -%}
    {%- set settings = {} -%}
    {%- for name in names -%}
        {%- set value = var(name) -%}
        {%- do settings.update({name: value.isoformat() if value.isoformat is defined else value}) -%}
    {%- endfor -%}
    {{- return(tojson(settings, sort_keys=true)) -}}
{% endmacro %}
