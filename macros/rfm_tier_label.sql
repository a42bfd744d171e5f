{#- The tier label of a tier rank (1 = the first label of tier_labels). -#}
{% macro rfm_tier_label(tier_rank) %}
    case {{ tier_rank }}
        {%- for label in var('tier_labels') %}
            when {{ loop.index }} then {{ sql_string(label) }}
        {%- endfor %}
    end
{%- endmacro %}
