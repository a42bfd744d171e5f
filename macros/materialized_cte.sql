{#- The hint that computes a CTE once when it is read twice (DuckDB); engines without it plan alone. -#}
{% macro materialized_cte() %}
    {{- return(adapter.dispatch('materialized_cte')()) -}}
{% endmacro %}

{% macro default__materialized_cte() %}
{% endmacro %}

{% macro duckdb__materialized_cte() %}
    materialized
{%- endmacro %}
