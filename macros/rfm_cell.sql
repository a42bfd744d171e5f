{#- The RFM cell code: the three scores written together, R then F then M. -#}
{% macro rfm_cell(r_score, f_score, m_score) %}
    cast({{ r_score }} as {{ dbt.type_string() }})
    || cast({{ f_score }} as {{ dbt.type_string() }})
    || cast({{ m_score }} as {{ dbt.type_string() }})
{%- endmacro %}
