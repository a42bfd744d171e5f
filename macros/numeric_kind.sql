{#- integer, fractional (floating point or decimal) or none (text and everything else) for a DuckDB type name. -#}
{% macro numeric_kind(column_type) %}
    {%- set type_name = (column_type or '') | upper -%}
    {%- if type_name in ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
        'UINTEGER', 'UBIGINT', 'UHUGEINT') -%}
        {{- return('integer') -}}
    {%- elif type_name in ('FLOAT', 'DOUBLE', 'REAL') or type_name.startswith('DECIMAL') -%}
        {{- return('fractional') -}}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}
