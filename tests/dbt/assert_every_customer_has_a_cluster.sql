-- K-means assigns every scored customer exactly once, proven by counting rather than by joining
-- millions of ids once more: dim_customer_segments inner-joins the scores with the clusters and its
-- customer_id is tested unique, so when it has as many rows as customer_rfm_scores, each scored
-- customer has exactly one cluster row; when customer_clusters has that many rows too, none is left over.
with

row_counts as (
    select
        (select count(*) from {{ ref('customer_rfm_scores') }}) as scored_customers,
        (select count(*) from {{ ref('customer_clusters') }}) as clustered_rows,
        (select count(*) from {{ ref('dim_customer_segments') }}) as joined_rows
),

final as (
    select * from row_counts
    where clustered_rows != scored_customers or joined_rows != scored_customers
)

select * from final
