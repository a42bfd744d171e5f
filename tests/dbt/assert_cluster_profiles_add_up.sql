-- The cluster profiles cover every clustered customer once: sizes add up and shares sum to 1.
with

profiles as (
    select
        sum(customers) as customers,
        sum(customer_share) as customer_share
    from {{ ref('cluster_profiles') }}
),

clusters as (
    select count(*) as customers from {{ ref('customer_clusters') }}
)

select
    profiles.customers,
    clusters.customers as clustered_customers,
    profiles.customer_share
from profiles
cross join clusters
where profiles.customers != clusters.customers or abs(profiles.customer_share - 1) > 1e-9
