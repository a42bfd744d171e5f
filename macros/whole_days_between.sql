{#- Complete 24-hour days from a timestamp to the start of a date (the notebook's Recency). -#}
{% macro whole_days_between(from_timestamp, to_date) %}
    {{- return(adapter.dispatch('whole_days_between')(from_timestamp, to_date)) -}}
{% endmacro %}

{% macro default__whole_days_between(from_timestamp, to_date) %}
    cast(floor(
        (unix_timestamp(cast({{ to_date }} as timestamp)) - unix_timestamp({{ from_timestamp }})) / 86400
    ) as {{ dbt.type_int() }})
{% endmacro %}

{% macro duckdb__whole_days_between(from_timestamp, to_date) %}
    cast(floor(
        (epoch(cast({{ to_date }} as timestamp)) - epoch({{ from_timestamp }})) / 86400
    ) as integer)
{% endmacro %}
