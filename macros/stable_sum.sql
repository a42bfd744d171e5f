{#- A sum of doubles whatever the order of the rows: an engine adds in the order its threads and the
    table's rows come, and a float sum's last bits follow that order, so the same customers would give
    other totals in a daily build than in a full refresh. DuckDB sums the values as exact decimals
    (each rounded to 1e-12; an integer sum has no order, and it streams where an ordered aggregate
    holds every value of a group in memory); Spark folds them sorted. -#}
{% macro stable_sum(expression) %}
    {{- return(adapter.dispatch('stable_sum')(expression)) -}}
{% endmacro %}

{% macro default__stable_sum(expression) %}
    {{- exceptions.raise_compiler_error("stable_sum is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__stable_sum macro.") -}}
{% endmacro %}

{% macro duckdb__stable_sum(expression) %}
    {{- 'cast(sum(' ~ _exact_decimal(expression) ~ ') as double)' -}}
{% endmacro %}

{% macro _exact_decimal(expression) %}
    {{- 'cast(' ~ expression ~ ' as decimal(38, 12))' -}}
{% endmacro %}

{#- Spark's aggregates take no order: fold the sorted values (null when there are none, as sum). -#}
{% macro spark__stable_sum(expression) %}
    {{- 'case when count(' ~ expression ~ ') > 0 then aggregate(array_sort(collect_list(cast(' ~ expression ~ ' as double))), cast(0 as double), (total, value) -> total + value) end' -}}
{% endmacro %}
