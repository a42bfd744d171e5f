{#- The table's grain: fails on every combination of the columns that appears more than once
    (nulls count as one value, as in group by). -#}
{% test unique_grain(model, columns) %}
select
    {{ columns | join(", ") }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1
{% endtest %}
