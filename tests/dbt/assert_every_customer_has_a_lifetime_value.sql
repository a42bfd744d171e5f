-- Every scored customer has exactly one CLV row, proven by counting as for the clusters: the features
-- inner-join int_customer_rfm, dim_customer_segments inner-joins the scores with customer_lifetime_value
-- and its customer_id is tested unique, so equal row counts leave no customer out and none twice.
with

row_counts as (
    select
        (select count(*) from {{ ref('customer_rfm_scores') }}) as scored_customers,
        (select count(*) from {{ ref('customer_clv_features') }}) as feature_rows,
        (select count(*) from {{ ref('customer_lifetime_value') }}) as valued_rows,
        (select count(*) from {{ ref('dim_customer_segments') }}) as joined_rows
),

final as (
    select * from row_counts
    where
        feature_rows != scored_customers
        or valued_rows != scored_customers
        or joined_rows != scored_customers
)

select * from final
