{#- The raw transaction log as a relation expression: an existing table, or a file read in place. -#}
{% macro transactions_source() %}
    {{- return(adapter.dispatch('transactions_source')()) -}}
{% endmacro %}

{% macro default__transactions_source() %}
    {%- if var('source_table') -%}
        {{- return(var('source_table')) -}}
    {%- endif -%}
    {%- set message = "This engine reads the transactions from a table: set the var source_table." -%}
    {{- exceptions.raise_compiler_error(message) -}}
{% endmacro %}

{% macro duckdb__transactions_source() %}
    {%- if var('source_table') -%}
        {{- return(var('source_table')) -}}
    {%- endif -%}
    {%- set path = var('source_path') | replace("'", "''") -%}
    {%- if source_file_format() == 'csv' -%}
        {%- set delimiter = var('csv_delimiter') | replace("'", "''") -%}
        {{- return("read_csv('" ~ path ~ "', header = true, delim = '" ~ delimiter
            ~ "', all_varchar = true)") -}}
    {%- endif -%}
    {{- return("read_parquet('" ~ path ~ "')") -}}
{% endmacro %}
