-- One row per K-means cluster: its size and revenue, typical R, F, M, and the fitted centroid.
with

-- customer_clusters carries the R, F and M values it clustered: no join back to the scores is needed.
customers as (
    select * from {{ ref('customer_clusters') }}
),

centroids as (
    select * from {{ ref('kmeans_centroids') }}
),

{{ rfm_median_ctes('customers', ['cluster_id'], 'cluster_medians') }}

cluster_aggregates as (
    select
        cluster_id,
        {{ rfm_summary_columns() }},
        {{ stable_mean('distance_to_centroid') }} as mean_distance_to_centroid
    from customers
    group by cluster_id
),

per_cluster as (
    select
        cluster_aggregates.*,
        cluster_medians.median_recency_days,
        cluster_medians.median_frequency,
        cluster_medians.median_monetary
    from cluster_aggregates
    left join cluster_medians on cluster_aggregates.cluster_id = cluster_medians.cluster_id
),

totals as (
    select
        count(*) as all_customers,
        {{ stable_sum('monetary') }} as all_revenue
    from customers
),

-- A label for BI: the cluster number and how its centroid compares with the centre of all customers
-- (scaled value 0: the mean of the log feature).
labelled as (
    select
        centroids.*,
        cast(centroids.cluster_id as {{ dbt.type_string() }}) || ': '
        || case when centroids.scaled_recency <= 0 then 'recent' else 'lapsed' end
        || ', '
        || case when centroids.scaled_frequency >= 0 then 'frequent' else 'occasional' end
        || ', '
        || case when centroids.scaled_monetary >= 0 then 'high spend' else 'low spend' end
            as cluster_label
    from centroids
),

final as (
    select
        labelled.cluster_id,
        labelled.cluster_label,
        {{ rfm_summary_selection('per_cluster', 'totals') }},
        labelled.centroid_recency_days,
        labelled.centroid_frequency,
        labelled.centroid_monetary,
        per_cluster.mean_distance_to_centroid
    from labelled
    inner join per_cluster on labelled.cluster_id = per_cluster.cluster_id
    cross join totals
)

select * from final
