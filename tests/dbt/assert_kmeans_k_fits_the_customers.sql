-- Stops the build before any mart is replaced when an explicit kmeans_k asks for more clusters than
-- there are distinct customers (R, F, M combinations in the K-means feature space).
{#- The check needs the built model (not there when sqlfluff compiles against a scratch database). -#}
{%- if execute and var('kmeans_k') != 'auto' and load_relation(ref('int_customer_rfm')) is not none -%}
    {%- set distinct_points -%}
        select count(*) from (
            select distinct
                {{ log_feature('recency_days') }},
                {{ log_feature('frequency') }},
                {{ log_feature('monetary') }}
            from {{ ref('int_customer_rfm') }}
            limit {{ var('kmeans_k') | int }}
        )
    {%- endset -%}
    {%- set found = run_query(distinct_points).columns[0].values()[0] -%}
    {%- if found < var('kmeans_k') | int -%}
        {{- exceptions.raise_compiler_error("kmeans_k is " ~ var('kmeans_k') ~ " but there are only " ~ found ~ " distinct customers (recency, frequency, monetary combinations): use kmeans_k <= " ~ found ~ " or kmeans_k: auto. Nothing was replaced.") -}}
    {%- endif -%}
{%- endif %}

select customer_id from {{ ref('int_customer_rfm') }}
where false
