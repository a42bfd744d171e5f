{#- The source column mapped to a project column name, quoted; none when the layout has no such column. -#}
{% macro source_column(project_column) %}
    {%- set mapped = var('source_columns').get(project_column) -%}
    {{- adapter.quote(mapped) if mapped else none -}}
{% endmacro %}
