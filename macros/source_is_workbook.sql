{#- xlsx when the source is an Excel workbook (var source_format, or the extension of source_path),
    else file: the source definition tells CSV and text from Parquet. -#}
{% macro source_is_workbook() %}
    {%- set declared = var('source_format') -%}
    {{- return(declared == 'xlsx' or (declared == 'auto' and (var('source_path') | lower).endswith('.xlsx'))) -}}
{% endmacro %}
