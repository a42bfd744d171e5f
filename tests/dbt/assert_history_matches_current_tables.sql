-- The history's rows for the build's own as-of date are the current tables' rows, column by column
-- (empty when history_grain = none): rows of either side missing from the other are returned.
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

only_in_history as (
    select * from history_now
    except all
    select * from current_now
),

only_in_current as (
    select * from current_now
    except all
    select * from history_now
),

final as (
    select
        'only in customer_segment_history' as problem,
        only_in_history.customer_id,
        only_in_history.as_of_date
    from only_in_history
    union all
    select
        'only in dim_customer_segments' as problem,
        only_in_current.customer_id,
        only_in_current.as_of_date
    from only_in_current
)

select * from final
