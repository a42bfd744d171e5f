{#- The RFM scoring rules, in one place for customer_rfm_scores (one as-of date) and
    customer_segment_history (one group of customers per as_of_date, partition_by = 'as_of_date').

    rfm_score_ctes emits named CTEs (each followed by a comma) that read the CTE `source` (columns of
    int_customer_rfm: customer_key, recency_days, frequency, monetary, ...) and end in the CTE
    `tiered`: every source column plus r_score, f_score, m_score (1..score_bins, higher is better),
    rfm_score (their sum), tier_rank (1 = best) and r/f/m_percentile (0..1, 1 = best).
    Windows break ties by customer_key, the key in the source's type (a number sorts far faster). -#}
{% macro rfm_score_ctes(source, partition_by=none) %}
    {%- set bins = var('score_bins') -%}
    {%- set tiers = var('tier_labels') | length -%}
    {#- Qualified: in the cut-point variant the source is joined to the cut points, which share the column. -#}
    {%- set over = 'partition by ' ~ source ~ '.' ~ partition_by ~ ' ' if partition_by else '' -%}
    {%- set group_key = partition_by ~ ',' if partition_by else '' -%}
    {%- set percentile_ranks -%}
        percent_rank() over ({{ over }}order by recency_days desc nulls last) as r_percentile,
        percent_rank() over ({{ over }}order by frequency asc nulls last) as f_percentile,
        percent_rank() over ({{ over }}order by monetary asc nulls last) as m_percentile
    {%- endset %}
    {% if var('score_method') == 'ntile' %}
        scored as (
            select
                *,
                ntile({{ bins }}) over ({{ over }}order by recency_days desc nulls last, customer_key asc nulls last) as r_score,
                ntile({{ bins }}) over ({{ over }}order by frequency asc nulls last, customer_key asc nulls last) as f_score,
                ntile({{ bins }}) over ({{ over }}order by monetary asc nulls last, customer_key asc nulls last) as m_score,
                {{ percentile_ranks }}
            from {{ source }}
        ),
    {% else %}
        rfm_cut_points as (
            select
                {{ group_key }}
                {{ quantile_cut_points('recency_days', 'r_cut', bins) }},
                {{ quantile_cut_points('frequency', 'f_cut', bins) }},
                {{ quantile_cut_points('monetary', 'm_cut', bins) }}
            from {{ source }}
            {%- if partition_by %}
                group by {{ partition_by }}
            {%- endif %}
        ),

        scored as (
            select
                {{ source }}.*,
                {{ score_from_cut_points(source ~ '.recency_days', 'rfm_cut_points.r_cut', bins, lower_is_better=true) }}
                as r_score,
                {{ score_from_cut_points(source ~ '.frequency', 'rfm_cut_points.f_cut', bins) }} as f_score,
                {{ score_from_cut_points(source ~ '.monetary', 'rfm_cut_points.m_cut', bins) }} as m_score,
                {{ percentile_ranks }}
            from {{ source }}
            {{ _partition_join('rfm_cut_points', source, partition_by) }}
        ),
    {% endif %}

    summed as (
        select
            *,
            r_score + f_score + m_score as rfm_score
        from scored
    ),

    tier_cut_points as (
        select
            {{ group_key }}
            {{ quantile_cut_points('rfm_score', 'tier_cut', tiers) }}
        from summed
        {%- if partition_by %}
            group by {{ partition_by }}
        {%- endif %}
    ),

    -- Tier 1 is the best: one more than the number of cut points above the score, so equal sums share a tier.
    tiered as (
        select
            summed.*,
            1
            {%- for i in range(1, tiers) %}
                + case when summed.rfm_score < tier_cut_points.tier_cut_{{ i }} then 1 else 0 end
            {%- endfor %} as tier_rank
        from summed
        {{ _partition_join('tier_cut_points', 'summed', partition_by) }}
    ),
{% endmacro %}

{% macro _partition_join(relation, source, partition_by) %}
    {%- if partition_by -%}
        inner join {{ relation }} on {{ source }}.{{ partition_by }} = {{ relation }}.{{ partition_by }}
    {%- else -%}
        cross join {{ relation }}
    {%- endif -%}
{% endmacro %}
