{#- The select-list of a scored row as the marts show it: the three scores, the cell, the score sum,
    the tier rank and its label (customer_rfm_scores and customer_segment_history). -#}
{% macro rfm_score_selection() %}
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        {{ rfm_cell('r_score', 'f_score', 'm_score') }} as rfm_cell,
        cast(rfm_score as {{ dbt.type_int() }}) as rfm_score,
        cast(tier_rank as {{ dbt.type_int() }}) as rfm_tier_rank,
        {{ rfm_tier_label('tier_rank') }} as rfm_tier
{%- endmacro %}
