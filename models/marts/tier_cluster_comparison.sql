-- How the two methods agree: customers in each loyalty tier x K-means cluster pair, with shares.
with

customers as (
    select * from {{ ref('dim_customer_segments') }}
),

pairs as (
    select
        rfm_tier,
        rfm_tier_rank,
        cluster_id,
        cluster_label,
        count(*) as customers
    from customers
    group by rfm_tier, rfm_tier_rank, cluster_id, cluster_label
),

final as (
    select
        rfm_tier,
        rfm_tier_rank,
        cluster_id,
        cluster_label,
        customers,
        cast(customers as double) / sum(customers) over () as customer_share,
        cast(customers as double) / sum(customers) over (partition by rfm_tier) as share_of_tier,
        cast(customers as double) / sum(customers) over (partition by cluster_id) as share_of_cluster
    from pairs
)

select * from final
