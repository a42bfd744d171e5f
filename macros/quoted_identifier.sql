{#- A column or table name from a var as a quoted identifier, its quote characters escaped. -#}
{% macro quoted_identifier(name) %}
    {{- return(adapter.dispatch('quoted_identifier')(name)) -}}
{% endmacro %}

{#- dbt's own quoting (DuckDB: double quotes, doubled inside). -#}
{% macro default__quoted_identifier(name) %}
    {{- return(adapter.quote(name)) -}}
{% endmacro %}

{#- dbt-spark wraps a name in backticks without escaping one inside it: doubled here. -#}
{% macro spark__quoted_identifier(name) %}
    {{- return('`' ~ (name | string | replace('`', '``')) ~ '`') -}}
{% endmacro %}
