-- One row per K-means cluster: its size and revenue, typical R, F, M, and its centroid in original units.
with

clusters as (
    select * from {{ ref('customer_clusters') }}
),

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

customers as (
    select
        clusters.cluster_id,
        clusters.distance_to_centroid,
        scores.recency_days,
        scores.frequency,
        scores.monetary
    from clusters
    inner join scores on clusters.customer_id = scores.customer_id
),

per_cluster as (
    select
        cluster_id,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as mean_recency_days,
        {{ percentile_cont('recency_days', 0.5) }} as median_recency_days,
        avg(frequency) as mean_frequency,
        {{ percentile_cont('frequency', 0.5) }} as median_frequency,
        avg(monetary) as mean_monetary,
        {{ percentile_cont('monetary', 0.5) }} as median_monetary,
        -- The centroid is the mean of the scaled log features; mapped back it is this geometric mean.
        exp(avg({{ log_feature('recency_days') }})) as centroid_recency_days,
        exp(avg({{ log_feature('frequency') }})) as centroid_frequency,
        exp(avg({{ log_feature('monetary') }})) as centroid_monetary,
        avg(distance_to_centroid) as mean_distance_to_centroid
    from customers
    group by cluster_id
),

totals as (
    select
        sum(customers) as all_customers,
        sum(revenue) as all_revenue
    from per_cluster
),

final as (
    select
        per_cluster.cluster_id,
        per_cluster.customers,
        per_cluster.customers * 1.0 / totals.all_customers as customer_share,
        per_cluster.revenue,
        per_cluster.revenue / nullif(totals.all_revenue, 0) as revenue_share,
        per_cluster.mean_recency_days,
        per_cluster.median_recency_days,
        per_cluster.mean_frequency,
        per_cluster.median_frequency,
        per_cluster.mean_monetary,
        per_cluster.median_monetary,
        per_cluster.centroid_recency_days,
        per_cluster.centroid_frequency,
        per_cluster.centroid_monetary,
        per_cluster.mean_distance_to_centroid
    from per_cluster
    cross join totals
)

select * from final
