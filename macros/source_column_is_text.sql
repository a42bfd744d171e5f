{#- False only when the source column mapped to this project column is known not to hold text
    (true before execution and in unit tests, where the relation is a fixture). -#}
{% macro source_column_is_text(project_column) %}
    {%- if not execute -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set mapped = var('source_columns').get(project_column) -%}
    {%- for column in adapter.get_columns_in_relation(ref('stg_transactions_source')) -%}
        {%- if column.name == mapped -%}
            {{- return(column.is_string()) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(true) -}}
{% endmacro %}
