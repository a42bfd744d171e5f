{{ config(
    materialized='table_with_appends' if target.type == 'duckdb' else 'table',
    pre_hook="{{ delete_changed_history_periods() }}"
) }}
{#- What later steps read of each scored row; narrow on purpose (the previous-period join makes DuckDB
    keep every row of `clustered` in memory). -#}
{%- set row_columns = ['customer_key', 'as_of_date', 'recency_days', 'frequency', 'monetary', 'r_score',
    'f_score', 'm_score', 'rfm_score', 'tier_rank', 'rfm_segment'] -%}
{#- Every cluster a fit can have: k is at most kmeans_k_max, or kmeans_k when it is forced. -#}
{%- set max_clusters = [var('kmeans_k_max'), var('kmeans_k') if var('kmeans_k') is number else 1] | max -%}
{#- A build computes only the periods its stored table lacks: the pre-hook deletes all but the kept
    periods (inputs unchanged, int_history_period_inputs), and the rows are added to the table in place
    (materialization table_with_appends). From scratch, or when no period is kept, every reported
    period, by the plain query: the filter and the stored rows cost DuckDB 5 to 8 s each at 10^8 lines. -#}
{%- set stored = appendable_relation() -%}
{%- set kept_periods = kept_history_periods(stored) -%}
{%- if kept_periods -%}
    {%- set key_type = adapter.get_columns_in_relation(ref('int_customer_period_rfm'))
        | selectattr('name', 'equalto', 'customer_key') | map(attribute='data_type') | first -%}
{%- endif %}
-- One row per customer per reported period end: RFM values, scores, tier, named segment and cluster
-- as of that date, by the rules of the current tables (the macros rfm_score_ctes and
-- rfm_segment_ctes), each period scored among its own customers. Clusters are the nearest centroid
-- of the current fit (kmeans_centroids) with its scaling, so a cluster id means the same every period.
with

customers as (
    select * from {{ ref('int_customer_period_rfm') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

centroids as (
    select * from {{ ref('kmeans_centroids') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

period_inputs as (
    select * from {{ ref('int_history_period_inputs') }}
),

-- The reported periods the stored table lacks (every one in a build from scratch).
rebuilt_periods as (
    select
        period_inputs.as_of_date,
        period_inputs.inputs_fingerprint,
        periods.previous_as_of_date
    from period_inputs
    inner join periods on period_inputs.as_of_date = periods.as_of_date
    {%- if kept_periods %}
        where period_inputs.as_of_date not in ({{ sql_string_list(kept_periods) }})
    {%- endif %}
),

-- Only what the rules read: the windows below carry every column, so the rows stay narrow.
period_customers as (
    select
        customer_key,
        as_of_date,
        recency_days,
        frequency,
        monetary
    from customers
    {%- if kept_periods %}
        where as_of_date not in ({{ sql_string_list(kept_periods) }})
    {%- endif %}
),

{{ rfm_score_ctes('period_customers', 'as_of_date') }}

{{ rfm_segment_ctes('tiered', 'as_of_date') }}

-- The centroids side by side in one row (null beyond k), with the scaling, which every row repeats.
centroid_row as (
    select
        {%- for i in range(1, max_clusters + 1) %}
            max(case when cluster_id = {{ i }} then scaled_recency end) as recency_{{ i }},
            max(case when cluster_id = {{ i }} then scaled_frequency end) as frequency_{{ i }},
            max(case when cluster_id = {{ i }} then scaled_monetary end) as monetary_{{ i }},
        {%- endfor %}
        min(log_recency_mean) as log_recency_mean,
        min(log_recency_scale) as log_recency_scale,
        min(log_frequency_mean) as log_frequency_mean,
        min(log_frequency_scale) as log_frequency_scale,
        min(log_monetary_mean) as log_monetary_mean,
        min(log_monetary_scale) as log_monetary_scale
    from centroids
),

-- The K-means features (macro log_feature), scaled by the stored scaling.
scaled as (
    select
        {%- for column in row_columns %}
            segmented.{{ column }},
        {%- endfor %}
        ({{ log_feature('segmented.recency_days') }} - centroid_row.log_recency_mean)
        / centroid_row.log_recency_scale as scaled_recency,
        ({{ log_feature('segmented.frequency') }} - centroid_row.log_frequency_mean)
        / centroid_row.log_frequency_scale as scaled_frequency,
        ({{ log_feature('segmented.monetary') }} - centroid_row.log_monetary_mean)
        / centroid_row.log_monetary_scale as scaled_monetary
    from segmented
    cross join centroid_row
),

-- Squared distances summed in the order segmentation.kmeans.assign_to_nearest adds them.
distances as (
    select
        {%- for i in range(1, max_clusters + 1) %}
            (scaled.scaled_recency - centroid_row.recency_{{ i }})
            * (scaled.scaled_recency - centroid_row.recency_{{ i }})
            + (scaled.scaled_frequency - centroid_row.frequency_{{ i }})
            * (scaled.scaled_frequency - centroid_row.frequency_{{ i }})
            + (scaled.scaled_monetary - centroid_row.monetary_{{ i }})
            * (scaled.scaled_monetary - centroid_row.monetary_{{ i }}) as distance_{{ i }},
        {%- endfor %}
        scaled.*
    from scaled
    cross join centroid_row
),

nearest as (
    select
        *,
        least(
            {%- for i in range(1, max_clusters + 1) %}
                distance_{{ i }}{{ "," if not loop.last }}
            {%- endfor %}
        ) as nearest_distance
    from distances
),

-- The nearest centroid; on a tie the lower cluster id, as assign_to_nearest does.
clustered as (
    select
        {%- for column in row_columns %}
            {{ column }},
        {%- endfor %}
        case nearest_distance
            {%- for i in range(1, max_clusters + 1) %}
                when distance_{{ i }} then {{ i }}
            {%- endfor %}
        end as cluster_id
    from nearest
),

-- Each row with its previous reported period end, then the customer's row there (a hash join: cheaper
-- than a window sorted per customer over every row). Customers never leave once they bought, so a
-- missing previous row means the customer is new.
linked as (
    select
        clustered.*,
        rebuilt_periods.previous_as_of_date,
        rebuilt_periods.inputs_fingerprint
    from clustered
    inner join rebuilt_periods on clustered.as_of_date = rebuilt_periods.as_of_date
),

{%- if kept_periods %}
-- The rows a previous period end can be found in: the rebuilt ones, and the stored rows of a period
-- that precedes a rebuilt one (their text customer_id back in the key's type).
previous_candidates as (
    select
        customer_key,
        as_of_date,
        tier_rank,
        rfm_segment,
        cluster_id
    from clustered
    union all
    select
        cast(customer_id as {{ key_type }}) as customer_key,
        as_of_date,
        rfm_tier_rank as tier_rank,
        rfm_segment,
        cluster_id
    from {{ stored }}
    where as_of_date in (select rebuilt_periods.previous_as_of_date from rebuilt_periods)
),
{%- endif %}

with_previous as (
    select
        linked.*,
        previous_rows.tier_rank as previous_tier_rank,
        previous_rows.rfm_segment as previous_rfm_segment,
        previous_rows.cluster_id as previous_cluster_id
    from linked
    left join {{ 'previous_candidates' if kept_periods else 'clustered' }} as previous_rows
        on
            linked.customer_key = previous_rows.customer_key
            and linked.previous_as_of_date = previous_rows.as_of_date
),

final as (
    select
        as_of_date,
        {{ customer_id_text('customer_key') }} as customer_id,
        recency_days,
        frequency,
        monetary,
        {{ rfm_score_selection() }},
        rfm_segment,
        cast(cluster_id as {{ dbt.type_int() }}) as cluster_id,
        {{ rfm_tier_label('previous_tier_rank') }} as previous_rfm_tier,
        previous_rfm_segment,
        cast(previous_cluster_id as {{ dbt.type_int() }}) as previous_cluster_id,
        inputs_fingerprint
    from with_previous
)

select * from final
