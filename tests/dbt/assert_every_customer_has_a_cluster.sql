-- K-means assigns every scored customer: the cluster table has exactly the customers of the RFM table.
select scores.customer_id
from {{ ref('customer_rfm_scores') }} as scores
left join {{ ref('customer_clusters') }} as clusters
    on scores.customer_id = clusters.customer_id
where clusters.customer_id is null
