{#- What a period's stored scores depend on besides its customers' values (int_customer_period_scores):
    the scoring vars and the segment map. A period scored under other settings is scored again. -#}
{% macro scoring_settings(segment_map_relation) %}
    {%- set map_rows = [] -%}
    {%- if execute -%}
        {%- for row in run_query("select r_quintile, fm_quintile, rfm_segment from " ~ segment_map_relation ~ " order by all").rows -%}
            {%- do map_rows.append(row | join(':')) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set settings = [var('score_method'), var('score_bins'), var('tier_labels') | length, map_rows | join(',')] -%}
    {{- return(local_md5(settings | join('/'))) -}}
{% endmacro %}
