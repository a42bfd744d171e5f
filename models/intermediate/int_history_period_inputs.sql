{#- A table: read as a view inside customer_segment_history, it slowed that model by a quarter. -#}
{{ config(materialized='table') }}
{#- The vars of the scoring and segment rules (those shaping the lines stop an incremental build when
    they change: macro load_settings). -#}
{%- set rules = {} -%}
{%- for name in ['frequency_basis', 'score_method', 'score_bins', 'tier_labels'] -%}
    {%- do rules.update({name: var(name)}) -%}
{%- endfor -%}
-- One row per reported period end of customer_segment_history: a fingerprint of everything its rows are
-- computed from. The period's activity (every customer and calendar period before its end), the
-- previous reported period end (the previous_* columns), the K-means centroids and scaling, the segment
-- map and the rule vars. A build recomputes a period only when its fingerprint changed.
with

activity as (
    select * from {{ ref('int_customer_period_activity') }}
),

periods as (
    select * from {{ ref('int_history_periods') }}
),

centroids as (
    select * from {{ ref('kmeans_centroids') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

-- An order-free fingerprint of a set of rows: the exclusive or of the rows' hashes.
activity_fingerprints as (
    select
        period_start,
        bit_xor({{ row_hash('activity') }}) as fingerprint
    from activity
    group by period_start
),

-- Only what the cluster assignment reads (the fit's reason and size change when a fit is kept).
assignment as (
    select
        cluster_id,
        scaled_recency,
        scaled_frequency,
        scaled_monetary,
        log_recency_mean,
        log_recency_scale,
        log_frequency_mean,
        log_frequency_scale,
        log_monetary_mean,
        log_monetary_scale
    from centroids
),

model_fingerprint as (
    select
        (select bit_xor({{ row_hash('assignment') }}) from assignment) as centroids,
        (select bit_xor({{ row_hash('segment_map') }}) from segment_map) as segment_map,
        {{ sql_string(tojson(rules)) }} as rules
),

period_activity as (
    select
        reported.as_of_date,
        reported.previous_as_of_date,
        bit_xor(activity_fingerprints.fingerprint) as activity
    from periods as reported
    inner join activity_fingerprints on reported.as_of_date > activity_fingerprints.period_start
    where reported.is_reported
    group by reported.as_of_date, reported.previous_as_of_date
),

inputs as (
    select
        period_activity.as_of_date,
        period_activity.previous_as_of_date,
        period_activity.activity,
        model_fingerprint.centroids,
        model_fingerprint.segment_map,
        model_fingerprint.rules
    from period_activity
    cross join model_fingerprint
),

final as (
    select
        as_of_date,
        cast({{ row_hash('inputs') }} % 9223372036854775807 as {{ dbt.type_bigint() }}) as inputs_fingerprint
    from inputs
)

select * from final
