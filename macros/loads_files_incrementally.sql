{#- True when source_path is a glob of Parquet, CSV or text files: each build then reads only the files
    it has not loaded yet (stg_source_files_to_load) and adds them to the per-file tables. A single file,
    a table (source_table) or a workbook is read whole by every build. -#}
{% macro loads_files_incrementally() %}
    {%- set path = var('source_path') | string -%}
    {{- return(not var('source_table') and not source_is_workbook() and ('*' in path or '?' in path or '[' in path)) -}}
{% endmacro %}
