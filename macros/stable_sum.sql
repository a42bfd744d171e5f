{#- A sum of doubles whatever the order of the rows: DuckDB adds in the order its threads and the
    table's rows come, and a float sum's last bits follow that order, so the same customers would give
    other totals in a daily build than in a full refresh. Summed in value order instead. -#}
{% macro stable_sum(expression) %}
    {{- 'sum(' ~ expression ~ ' order by ' ~ expression ~ ')' -}}
{% endmacro %}
