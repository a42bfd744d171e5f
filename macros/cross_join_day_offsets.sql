{#- A join giving each row of the relation before it one row per day offset 0 .. day_count - 1, in the
    column <alias>.day_offset. day_count is at least 1 wherever it is used (the as-of date follows
    the first purchase). -#}
{% macro cross_join_day_offsets(day_count, alias) %}
    {{- return(adapter.dispatch('cross_join_day_offsets')(day_count, alias)) -}}
{% endmacro %}

{% macro default__cross_join_day_offsets(day_count, alias) %}
    {{- exceptions.raise_compiler_error("cross_join_day_offsets is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__cross_join_day_offsets macro.") -}}
{% endmacro %}

{% macro duckdb__cross_join_day_offsets(day_count, alias) %}
    cross join range(0, {{ day_count }}) as {{ alias }} (day_offset)
{%- endmacro %}

{% macro spark__cross_join_day_offsets(day_count, alias) %}
    lateral view explode(sequence(0, {{ day_count }} - 1)) {{ alias }} as day_offset
{%- endmacro %}
