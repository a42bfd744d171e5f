{#- True when the source layout maps this project column. -#}
{% macro has_source_column(project_column) %}
    {{- return(var('source_columns').get(project_column) is not none) -}}
{% endmacro %}
