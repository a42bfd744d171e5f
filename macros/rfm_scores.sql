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
        percent_rank() over ({{ over }}order by recency_days desc) as r_percentile,
        percent_rank() over ({{ over }}order by frequency asc) as f_percentile,
        percent_rank() over ({{ over }}order by monetary asc) as m_percentile
    {%- endset %}
    {% if var('score_method') == 'ntile' %}
        scored as (
            select
                *,
                ntile({{ bins }}) over ({{ over }}order by recency_days desc, customer_key asc) as r_score,
                ntile({{ bins }}) over ({{ over }}order by frequency, customer_key) as f_score,
                ntile({{ bins }}) over ({{ over }}order by monetary, customer_key) as m_score,
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

{#- The tier label of a tier rank (1 = the first label of tier_labels). -#}
{% macro rfm_tier_label(tier_rank) %}
    case {{ tier_rank }}
        {%- for label in var('tier_labels') %}
            when {{ loop.index }} then {{ sql_string(label) }}
        {%- endfor %}
    end
{%- endmacro %}

{#- The RFM cell code: the three scores written together, R then F then M. -#}
{% macro rfm_cell(r_score, f_score, m_score) %}
    cast({{ r_score }} as {{ dbt.type_string() }})
    || cast({{ f_score }} as {{ dbt.type_string() }})
    || cast({{ m_score }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- Named segments: CTEs reading `source` (customer_id, r_percentile, f_percentile, m_percentile and
    the partition column) and `segment_map` (the seed rfm_segment_map), ending in the CTE `segmented`.
    The grid is the recency rank and the rank of the mean of the frequency and monetary ranks, each
    cut into fifths (0..1, 1 = best; equal values share a rank), so it holds for any score_bins. -#}
{% macro rfm_segment_ctes(source, partition_by=none) %}
    {%- set over = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    segment_ranks as (
        select
            {{ source }}.*,
            percent_rank() over ({{ over }}order by (f_percentile + m_percentile) / 2 asc) as fm_percentile
        from {{ source }}
    ),

    quintiles as (
        select
            *,
            least(cast(floor(r_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as r_quintile,
            least(cast(floor(fm_percentile * 5) as {{ dbt.type_int() }}) + 1, 5) as fm_quintile
        from segment_ranks
    ),

    segmented as (
        select
            quintiles.*,
            segment_map.rfm_segment
        from quintiles
        left join segment_map
            on quintiles.r_quintile = segment_map.r_quintile and quintiles.fm_quintile = segment_map.fm_quintile
    ),
{% endmacro %}

{% macro _partition_join(relation, source, partition_by) %}
    {%- if partition_by -%}
        inner join {{ relation }} on {{ source }}.{{ partition_by }} = {{ relation }}.{{ partition_by }}
    {%- else -%}
        cross join {{ relation }}
    {%- endif -%}
{% endmacro %}
