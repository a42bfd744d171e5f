{#- The file each raw line came from: DuckDB's virtual column filename for files; the table's name, or
    the path of a workbook or of a source read on Spark otherwise (one name for all its lines). Unit
    tests override this macro (their rows come from no file). -#}
{% macro source_file_column() %}
    {%- if var('source_table') -%}
        {{- return(sql_string(var('source_table'))) -}}
    {%- elif source_is_workbook() or target.type != 'duckdb' -%}
        {{- return(sql_string(var('source_path'))) -}}
    {%- endif -%}
    {{- return('filename') -}}
{% endmacro %}
