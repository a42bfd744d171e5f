{#- The raw source's columns and their DuckDB types, {name: TYPE}, read once per compiled model
    (empty before execution). Unit tests override this macro with fixed types, so they never depend on
    the user's file. -#}
{% macro source_column_types() %}
    {%- if not execute -%}
        {{- return({}) -}}
    {%- endif -%}
    {%- set described = run_query("describe select * from " ~ transactions_source()) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{- return(types) -}}
{% endmacro %}
