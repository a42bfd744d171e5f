{#- The DuckDB type of the source column mapped to a project column (VARCHAR for whitespace text,
    whose fields are text; VARCHAR when unknown, as before execution). -#}
{% macro source_column_type(project_column, column_types) %}
    {%- if var('csv_delimiter') == 'whitespace' -%}
        {{- return('VARCHAR') -}}
    {%- endif -%}
    {{- return(column_types.get(var('source_columns').get(project_column), 'VARCHAR')) -}}
{% endmacro %}
