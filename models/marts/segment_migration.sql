-- Movement between consecutive reported period ends, per dimension (tier, segment, cluster): customers
-- per (from value, to value) and their revenue (monetary) in the later period. A customer with no
-- purchase before the earlier period end comes from the value 'new'.
with

history as (
    select * from {{ ref('customer_segment_history') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

period_pairs as (
    select
        previous_as_of_date as from_as_of_date,
        as_of_date as to_as_of_date
    from periods
    where is_reported and previous_as_of_date is not null
),

-- One pass over the history: every combination of moves, then one grouping per dimension below.
moves as (
    select
        period_pairs.from_as_of_date,
        period_pairs.to_as_of_date,
        coalesce(history.previous_rfm_tier, 'new') as from_tier,
        history.rfm_tier as to_tier,
        coalesce(history.previous_rfm_segment, 'new') as from_segment,
        history.rfm_segment as to_segment,
        coalesce(cast(history.previous_cluster_id as {{ dbt.type_string() }}), 'new') as from_cluster,
        cast(history.cluster_id as {{ dbt.type_string() }}) as to_cluster,
        count(*) as customers,
        -- Exact decimals until the end: a float sum would depend on the order the threads add in.
        sum(cast(history.monetary as decimal(18, 4))) as revenue
    from history
    inner join period_pairs on history.as_of_date = period_pairs.to_as_of_date
    group by all
),

by_dimension as (
    select
        from_as_of_date,
        to_as_of_date,
        'tier' as dimension,
        from_tier as from_value,
        to_tier as to_value,
        sum(customers) as customers,
        sum(revenue) as revenue
    from moves
    group by from_as_of_date, to_as_of_date, from_tier, to_tier
    union all
    select
        from_as_of_date,
        to_as_of_date,
        'segment' as dimension,
        from_segment as from_value,
        to_segment as to_value,
        sum(customers) as customers,
        sum(revenue) as revenue
    from moves
    group by from_as_of_date, to_as_of_date, from_segment, to_segment
    union all
    select
        from_as_of_date,
        to_as_of_date,
        'cluster' as dimension,
        from_cluster as from_value,
        to_cluster as to_value,
        sum(customers) as customers,
        sum(revenue) as revenue
    from moves
    group by from_as_of_date, to_as_of_date, from_cluster, to_cluster
),

final as (
    select
        from_as_of_date,
        to_as_of_date,
        dimension,
        from_value,
        to_value,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(revenue as double) as revenue,
        from_value != to_value as is_move,
        from_value = 'new' as is_new
    from by_dimension
)

select * from final
