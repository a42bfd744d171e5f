{#- Complete 24-hour days from a timestamp to the start of a date (the notebook's Recency). -#}
{% macro whole_days_between(from_timestamp, to_date) %}
    {{- return(adapter.dispatch('whole_days_between')(from_timestamp, to_date)) -}}
{% endmacro %}

{% macro default__whole_days_between(from_timestamp, to_date) %}
    {{- exceptions.raise_compiler_error("whole_days_between is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__whole_days_between macro.") -}}
{% endmacro %}

{% macro duckdb__whole_days_between(from_timestamp, to_date) %}
    cast(floor(
        (epoch(cast({{ to_date }} as timestamp)) - epoch({{ from_timestamp }})) / 86400
    ) as integer)
{% endmacro %}

{#- Microseconds, as DuckDB's epoch keeps the fraction of a second (unix_timestamp drops it). -#}
{% macro spark__whole_days_between(from_timestamp, to_date) %}
    cast(floor(
        (unix_micros(cast({{ to_date }} as timestamp)) - unix_micros({{ from_timestamp }})) / 86400000000
    ) as int)
{% endmacro %}
