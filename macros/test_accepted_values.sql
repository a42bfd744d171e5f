{#- dbt's accepted_values test with every value written as an escaped SQL string (dbt's own pastes
    the values between quotes as they are, so a label with an apostrophe breaks the test, or worse).
    Found before dbt's version because the root project comes first in dispatch. -#}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with

all_values as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)

select * from all_values
where value_field not in (
    {%- for value in values -%}
        {{ sql_string(value) if quote else value }}{{ ", " if not loop.last }}
    {%- endfor -%}
)
{% endmacro %}
