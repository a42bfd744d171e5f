{#- Select-list items: the (bins - 1) interpolated quantile cut points of a column, named <prefix>_1.. -#}
{% macro quantile_cut_points(column, prefix, bins) %}
    {%- for i in range(1, bins) -%}
        {{ percentile_cont(column, (i / bins) | round(10)) }} as {{ prefix }}_{{ i }}{{ "," if not loop.last }}
    {% endfor -%}
{% endmacro %}
