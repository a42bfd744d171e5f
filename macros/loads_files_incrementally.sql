{#- True when source_path is a glob of Parquet, CSV or text files on DuckDB: each build then reads only
    the files it has not loaded yet (stg_source_files_to_load) and adds them to the per-file tables. A
    single file, a table (source_table), a workbook, or any source on Spark is read whole by every build. -#}
{% macro loads_files_incrementally() %}
    {%- set path = var('source_path') | string -%}
    {%- set is_glob = '*' in path or '?' in path or '[' in path -%}
    {{- return(target.type == 'duckdb' and not var('source_table') and not source_is_workbook() and is_glob) -}}
{% endmacro %}
