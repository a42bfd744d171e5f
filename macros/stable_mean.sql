{#- The mean of a double column whatever the order of the rows (see stable_sum). -#}
{% macro stable_mean(expression) %}
    {{- 'avg(' ~ expression ~ ' order by ' ~ expression ~ ')' -}}
{% endmacro %}
