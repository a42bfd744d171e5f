-- A better R, F or M value never gets a lower score: each score's value range sits above the one below.
{%- set measures = [
    ('r_score', '-recency_days'),
    ('f_score', 'frequency'),
    ('m_score', 'monetary'),
] %}

with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

{% for score, goodness in measures %}
    {{ score }}_ranges as (
        select
            '{{ score }}' as score_name,
            {{ score }} as score,
            min({{ goodness }}) as lowest_goodness,
            max({{ goodness }}) as highest_goodness
        from scores
        group by {{ score }}
    ),
{% endfor %}

ranges as (
    {% for score, goodness in measures %}
        select * from {{ score }}_ranges
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ordered as (
    select
        *,
        lag(highest_goodness) over (partition by score_name order by score) as highest_goodness_below
    from ranges
)

select * from ordered
where lowest_goodness < highest_goodness_below
