{#- The SQL expression of the source column mapped to a project column; none when the layout has no
    such column. Whitespace-separated text is one `line` per row, split into `fields` by staging, and
    its columns are mapped by position: column0 is the first field. -#}
{% macro source_column(project_column) %}
    {%- set mapped = var('source_columns').get(project_column) -%}
    {%- if not mapped -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if var('csv_delimiter') == 'whitespace' -%}
        {{- return('fields[' ~ (mapped[6:] | int + 1) ~ ']') -}}
    {%- endif -%}
    {{- return(quoted_identifier(mapped)) -}}
{% endmacro %}
