{#- The raw transaction log's dbt source: the workbook table, or the file or table read in place. -#}
{% macro transactions_source() %}
    {{- return(source('raw', 'transactions_workbook') if source_is_workbook() else source('raw', 'transactions')) -}}
{% endmacro %}
