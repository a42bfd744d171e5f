{#- The mean of a double column, independent of the order of the rows (see exact_sum). -#}
{% macro exact_mean(expression) %}
    {{- exact_sum(expression) ~ ' / count(' ~ expression ~ ')' -}}
{% endmacro %}
