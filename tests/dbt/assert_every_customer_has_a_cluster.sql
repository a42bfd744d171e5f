-- K-means assigns every scored customer once: customer_clusters has as many rows as customer_rfm_scores
-- (whose customer_id is unique) and misses none of them, so it holds exactly those customers, once each.
-- One join in place of separate unique and relationships tests, which each cost a pass of their own.
with

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

clusters as (
    select * from {{ ref('customer_clusters') }}
),

missing as (
    select scores.customer_id
    from scores
    left join clusters on scores.customer_id = clusters.customer_id
    where clusters.customer_id is null
),

row_counts as (
    select
        (select count(*) from scores) as scored_customers,
        (select count(*) from clusters) as clustered_rows
),

final as (
    select
        'not clustered' as problem,
        customer_id
    from missing
    union all
    select
        'clustered rows ' || cast(clustered_rows as varchar) || ' != scored customers '
        || cast(scored_customers as varchar) as problem,
        null as customer_id
    from row_counts
    where clustered_rows != scored_customers
)

select * from final
