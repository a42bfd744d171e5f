{%- set bins = var('score_bins') -%}
{%- set tier_labels = var('tier_labels') -%}
{%- set tiers = tier_labels | length -%}
{#- Percentile ranks (0..1, 1 = best; equal values share a rank) for the named segments. -#}
{%- set percentile_ranks -%}
    percent_rank() over (order by recency_days desc) as r_percentile,
    percent_rank() over (order by frequency asc) as f_percentile,
    percent_rank() over (order by monetary asc) as m_percentile
{%- endset %}

-- Windows break ties by customer_key, the key in the source's type (a number sorts far faster than text).
with

customers as (
    select * from {{ ref('int_customer_rfm') }}
),

{% if var('score_method') == 'ntile' %}
    scored as (
        select
            *,
            ntile({{ bins }}) over (order by recency_days desc, customer_key asc) as r_score,
            ntile({{ bins }}) over (order by frequency, customer_key) as f_score,
            ntile({{ bins }}) over (order by monetary, customer_key) as m_score,
            {{ percentile_ranks }}
        from customers
    ),
{% else %}
    rfm_cut_points as (
        select
            {{ quantile_cut_points('recency_days', 'r_cut', bins) }},
            {{ quantile_cut_points('frequency', 'f_cut', bins) }},
            {{ quantile_cut_points('monetary', 'm_cut', bins) }}
        from customers
    ),

    scored as (
        select
            customers.*,
            {{ score_from_cut_points('customers.recency_days', 'rfm_cut_points.r_cut', bins, lower_is_better=true) }}
            as r_score,
            {{ score_from_cut_points('customers.frequency', 'rfm_cut_points.f_cut', bins) }} as f_score,
            {{ score_from_cut_points('customers.monetary', 'rfm_cut_points.m_cut', bins) }} as m_score,
            {{ percentile_ranks }}
        from customers
        cross join rfm_cut_points
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
        {{ quantile_cut_points('rfm_score', 'tier_cut', tiers) }}
    from summed
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
    cross join tier_cut_points
),

final as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        cast(r_score as {{ dbt.type_int() }}) as r_score,
        cast(f_score as {{ dbt.type_int() }}) as f_score,
        cast(m_score as {{ dbt.type_int() }}) as m_score,
        cast(r_score as {{ dbt.type_string() }})
        || cast(f_score as {{ dbt.type_string() }})
        || cast(m_score as {{ dbt.type_string() }}) as rfm_cell,
        cast(rfm_score as {{ dbt.type_int() }}) as rfm_score,
        cast(tier_rank as {{ dbt.type_int() }}) as rfm_tier_rank,
        case tier_rank
            {%- for label in tier_labels %}
                when {{ loop.index }} then {{ sql_string(label) }}
            {%- endfor %}
        end as rfm_tier,
        r_percentile,
        f_percentile,
        m_percentile,
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from tiered
)

select * from final
