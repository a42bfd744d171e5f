-- One row per K-means cluster: its size and revenue, typical R, F, M, and its centroid in original units.
with

-- customer_clusters carries the R, F and M values it clustered: no join back to the scores is needed.
customers as (
    select * from {{ ref('customer_clusters') }}
),

per_cluster as (
    select
        cluster_id,
        {{ rfm_summary_columns() }},
        -- The mean of the cluster's log features (where K-means works), mapped back: a geometric mean.
        exp(avg({{ log_feature('recency_days') }})) as centroid_recency_days,
        exp(avg({{ log_feature('frequency') }})) as centroid_frequency,
        exp(avg({{ log_feature('monetary') }})) as centroid_monetary,
        avg(distance_to_centroid) as mean_distance_to_centroid
    from customers
    group by cluster_id
),

totals as (
    select
        count(*) as all_customers,
        sum(monetary) as all_revenue,
        exp(avg({{ log_feature('recency_days') }})) as typical_recency_days,
        exp(avg({{ log_feature('frequency') }})) as typical_frequency,
        exp(avg({{ log_feature('monetary') }})) as typical_monetary
    from customers
),

-- A label for BI: the cluster number and how its centroid compares with all customers' centre.
labelled as (
    select
        per_cluster.*,
        cast(per_cluster.cluster_id as {{ dbt.type_string() }}) || ': '
        || case when per_cluster.centroid_recency_days <= totals.typical_recency_days then 'recent' else 'lapsed' end
        || ', '
        || case when per_cluster.centroid_frequency >= totals.typical_frequency then 'frequent' else 'occasional' end
        || ', '
        || case when per_cluster.centroid_monetary >= totals.typical_monetary then 'high spend' else 'low spend' end
            as cluster_label
    from per_cluster
    cross join totals
),

final as (
    select
        labelled.cluster_id,
        labelled.cluster_label,
        labelled.customers,
        labelled.customers * 1.0 / totals.all_customers as customer_share,
        labelled.revenue,
        labelled.revenue / nullif(totals.all_revenue, 0) as revenue_share,
        labelled.mean_recency_days,
        labelled.median_recency_days,
        labelled.mean_frequency,
        labelled.median_frequency,
        labelled.mean_monetary,
        labelled.median_monetary,
        labelled.centroid_recency_days,
        labelled.centroid_frequency,
        labelled.centroid_monetary,
        labelled.mean_distance_to_centroid
    from labelled
    cross join totals
)

select * from final
