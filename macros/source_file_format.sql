{#- parquet or csv: the var source_format, or guessed from the extension of source_path. -#}
{% macro source_file_format() %}
    {%- set declared = var('source_format') -%}
    {%- if declared != 'auto' -%}
        {{- return(declared) -}}
    {%- endif -%}
    {%- set path = var('source_path') | lower -%}
    {%- if path.endswith('.csv') or path.endswith('.csv.gz') or path.endswith('.tsv')
        or path.endswith('.txt') -%}
        {{- return('csv') -}}
    {%- endif -%}
    {{- return('parquet') -}}
{% endmacro %}
