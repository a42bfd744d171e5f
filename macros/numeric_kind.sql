{#- integer, fractional (floating point or decimal) or none (text and everything else) for a DuckDB or
    Spark type name (Spark's INT is DuckDB's INTEGER). -#}
{% macro numeric_kind(column_type) %}
    {%- set type_name = (column_type or '') | upper -%}
    {%- if type_name in ('TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
        'UINTEGER', 'UBIGINT', 'UHUGEINT') -%}
        {{- return('integer') -}}
    {%- elif type_name in ('FLOAT', 'DOUBLE', 'REAL') or type_name.startswith('DECIMAL') -%}
        {{- return('fractional') -}}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}
