-- The history's rows for the build's own as-of date are the current tables' rows, column by column
-- (nothing to compare when history_grain = none): returns a row when the two sides differ.
with

history as (
    select * from {{ ref('customer_segment_history') }}
),

current_customers as (
    select * from {{ ref('dim_customer_segments') }}
),

build_date as (
    select distinct as_of_date from current_customers
),

history_enabled as (
    select count(*) > 0 as has_rows from history
),

history_now as (
    select
        history.customer_id,
        history.recency_days,
        history.frequency,
        history.monetary,
        history.r_score,
        history.f_score,
        history.m_score,
        history.rfm_cell,
        history.rfm_score,
        history.rfm_tier_rank,
        history.rfm_tier,
        history.rfm_segment,
        history.cluster_id,
        history.as_of_date
    from history
    inner join build_date on history.as_of_date = build_date.as_of_date
),

current_now as (
    select
        current_customers.customer_id,
        current_customers.recency_days,
        current_customers.frequency,
        current_customers.monetary,
        current_customers.r_score,
        current_customers.f_score,
        current_customers.m_score,
        current_customers.rfm_cell,
        current_customers.rfm_score,
        current_customers.rfm_tier_rank,
        current_customers.rfm_tier,
        current_customers.rfm_segment,
        current_customers.cluster_id,
        current_customers.as_of_date
    from current_customers
    cross join history_enabled
    where history_enabled.has_rows
),

-- A fingerprint of each side as a multiset of rows: the count and the sum of 64-bit row hashes
-- (one pass each, no join of millions of ids; the pytest suite compares the rows themselves).
history_fingerprint as (
    select
        count(*) as row_count,
        sum({{ row_hash("history_now") }}) as row_hash_sum
    from history_now
),

current_fingerprint as (
    select
        count(*) as row_count,
        sum({{ row_hash("current_now") }}) as row_hash_sum
    from current_now
),

final as (
    select
        history_fingerprint.row_count as history_rows,
        current_fingerprint.row_count as current_rows
    from history_fingerprint
    cross join current_fingerprint
    where
        history_fingerprint.row_count != current_fingerprint.row_count
        or history_fingerprint.row_hash_sum != current_fingerprint.row_hash_sum
)

select * from final
