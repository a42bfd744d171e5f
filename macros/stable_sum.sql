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
    {{- _exact_or_float('sum', expression) -}}
{% endmacro %}

{#- aggregate(expression) over exact decimals, or over the doubles when a value is NaN, infinite or
    too large for the decimal: then the result is NaN or infinite (or huge) as a float sum gives it. -#}
{% macro _exact_or_float(aggregate, expression) %}
    {%- set exact = is_finite(expression) ~ ' and abs(' ~ expression ~ ') < 1e25' -%}
    case when bool_and({{ exact }}) is false then {{ aggregate }}({{ expression }})
    else cast({{ aggregate }}(case when {{ exact }} then cast({{ expression }} as decimal(38, 12)) end) as double) end
{%- endmacro %}

{#- Spark's aggregates take no order: fold the sorted values (null when there are none, as sum). -#}
{% macro spark__stable_sum(expression) %}
    {{- 'case when count(' ~ expression ~ ') > 0 then aggregate(array_sort(collect_list(cast(' ~ expression ~ ' as double))), cast(0 as double), (total, value) -> total + value) end' -}}
{% endmacro %}
