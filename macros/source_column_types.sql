{#- The raw source's columns and their types (DuckDB's or Spark's names), {name: TYPE}, read once per compiled model
    (empty before execution). Unit tests override this macro with fixed types, so they never depend on
    the user's file. -#}
{% macro source_column_types() %}
    {%- if not execute -%}
        {{- return({}) -}}
    {%- endif -%}
    {%- set described = run_query(adapter.dispatch('describe_query')('select * from ' ~ transactions_source())) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{- return(types) -}}
{% endmacro %}

{#- A statement whose rows are (column name, type name, ...) for the columns of a query. -#}
{% macro default__describe_query(query) %}
    {{- exceptions.raise_compiler_error("describe_query is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__describe_query macro.") -}}
{% endmacro %}

{% macro duckdb__describe_query(query) %}
    {{- return("describe " ~ query) -}}
{% endmacro %}

{% macro spark__describe_query(query) %}
    {{- return("describe query " ~ query) -}}
{% endmacro %}
