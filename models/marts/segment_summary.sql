-- Customers, revenue, typical R, F, M and mean CLV figures per tier, per named segment and per cluster, for BI.
with

customers as (
    select * from {{ ref('dim_customer_segments') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

-- Named segments are ordered by the mean value (R + FM fifths) of the grid cells they cover, then recency.
segment_order as (
    select
        rfm_segment,
        row_number() over (
            order by avg(r_quintile + fm_quintile) desc, avg(r_quintile) desc, rfm_segment asc
        ) as segment_order
    from segment_map
    group by rfm_segment
),

by_tier as (
    select
        'tier' as grouping,  -- noqa: RF04
        rfm_tier as segment,
        min(rfm_tier_rank) as segment_order,
        {{ rfm_summary_columns() }},
        {{ clv_summary_columns() }}
    from customers
    group by rfm_tier
),

by_segment as (
    select
        'segment' as grouping,  -- noqa: RF04
        customers.rfm_segment as segment,
        min(segment_order.segment_order) as segment_order,
        {{ rfm_summary_columns() }},
        {{ clv_summary_columns() }}
    from customers
    inner join segment_order on customers.rfm_segment = segment_order.rfm_segment
    group by customers.rfm_segment
),

by_cluster as (
    select
        'cluster' as grouping,  -- noqa: RF04
        cluster_label as segment,
        min(cluster_id) as segment_order,
        {{ rfm_summary_columns() }},
        {{ clv_summary_columns() }}
    from customers
    group by cluster_label
),

-- Every customer once per grouping, for the medians.
grouped_customers as (
    select
        'tier' as grouping,  -- noqa: RF04
        rfm_tier as segment,
        recency_days,
        frequency,
        monetary
    from customers
    union all
    select
        'segment' as grouping,  -- noqa: RF04
        rfm_segment as segment,
        recency_days,
        frequency,
        monetary
    from customers
    union all
    select
        'cluster' as grouping,  -- noqa: RF04
        cluster_label as segment,
        recency_days,
        frequency,
        monetary
    from customers
),

{{ rfm_median_ctes('grouped_customers', ['grouping', 'segment'], 'group_medians') }}

groups as (
    select
        aggregated.*,
        group_medians.median_recency_days,
        group_medians.median_frequency,
        group_medians.median_monetary
    from (
        select * from by_tier
        union all
        select * from by_segment
        union all
        select * from by_cluster
    ) as aggregated
    left join group_medians
        on aggregated.grouping = group_medians.grouping and aggregated.segment = group_medians.segment
),

totals as (
    select
        count(*) as all_customers,
        {{ stable_sum('monetary') }} as all_revenue
    from customers
),

final as (
    select
        groups.grouping,
        groups.segment,
        cast(groups.segment_order as {{ dbt.type_int() }}) as segment_order,
        {{ rfm_summary_selection('groups', 'totals') }},
        groups.mean_p_alive,
        groups.mean_expected_purchases,
        groups.mean_predicted_clv
    from groups
    cross join totals
)

select * from final
