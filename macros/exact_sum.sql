{#- A sum of doubles that does not depend on the order of the rows: DuckDB adds in whatever order its
    threads and the table's rows come, and a float sum's last bits follow that order, so the same
    customers would give different totals in a daily build and a full refresh. Summed as decimals of
    10 places (exact), then made double. -#}
{% macro exact_sum(expression) %}
    {{- 'cast(sum(cast(' ~ expression ~ ' as decimal(38, 10))) as double)' -}}
{% endmacro %}
