{#- A 1..n score from quantile cut points: how many cut points the value lies above, plus one.
    A value equal to a cut point falls in the lower bin (pandas qcut). When lower values are better
    (recency), the score is mirrored so that the top score is always the best. -#}
{% macro score_from_cut_points(value, cut_prefix, bins, lower_is_better=false) %}
    {%- set above -%}
        {%- for i in range(1, bins) -%}
            case when {{ value }} > {{ cut_prefix }}_{{ i }} then 1 else 0 end{{ " + " if not loop.last }}
        {%- endfor -%}
    {%- endset -%}
    {%- if lower_is_better -%}
        {{ bins }} - ({{ above }})
    {%- else -%}
        1 + {{ above }}
    {%- endif -%}
{% endmacro %}
