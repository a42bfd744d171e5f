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

-- Every customer once per grouping (tier, named segment, cluster), with the group's display order:
-- one relation for the aggregates and the medians.
grouped_customers as (
    select
        groupings.grouping,
        case groupings.grouping
            when 'tier' then customers.rfm_tier
            when 'segment' then customers.rfm_segment
            else customers.cluster_label
        end as segment,
        case groupings.grouping
            when 'tier' then customers.rfm_tier_rank
            when 'segment' then segment_order.segment_order
            else customers.cluster_id
        end as segment_order,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        customers.p_alive,
        customers.expected_purchases,
        customers.predicted_clv
    from customers
    left join segment_order on customers.rfm_segment = segment_order.rfm_segment
    cross join (values ('tier'), ('segment'), ('cluster')) as groupings (grouping)  -- noqa: RF04
),

{{ rfm_median_ctes('grouped_customers', ['grouping', 'segment'], 'group_medians') }}

group_aggregates as (
    select
        grouping,
        segment,
        min(segment_order) as segment_order,
        {{ rfm_summary_columns() }},
        {{ clv_summary_columns() }}
    from grouped_customers
    group by grouping, segment
),

groups as (
    select
        group_aggregates.*,
        group_medians.median_recency_days,
        group_medians.median_frequency,
        group_medians.median_monetary
    from group_aggregates
    left join group_medians
        on group_aggregates.grouping = group_medians.grouping and group_aggregates.segment = group_medians.segment
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
