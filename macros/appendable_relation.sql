{#- The model's own table when a build may add rows to it in place (materialization
    table_with_appends): on DuckDB, not a full refresh, and the table exists with exactly the model's
    documented columns. Otherwise none, and the model is built as a table. In a unit test `this` is
    none: nothing is stored. -#}
{% macro appendable_relation() %}
    {%- if not execute or this is none or target.type != 'duckdb' or flags.FULL_REFRESH -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set existing = load_relation(this) -%}
    {%- if existing is none or not existing.is_table -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set stored_columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {{- return(existing if stored_columns == model.columns.keys() | list else none) -}}
{% endmacro %}
