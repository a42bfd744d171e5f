{#- In an incremental run of a per-customer table, a filter on `days` (int_invoice_day_activity or a
    table keyed by customer_id) that keeps only the customers with lines in the files this build loads:
    their rows are computed again from all their per-file rows and replace the old ones (delete+insert
    by customer_id). A stopped build recomputes the same customers, so the result is the same. -#}
{% macro touched_customers_only() %}
    {%- if is_incremental() -%}
        where customer_id in (
            select batch.customer_id from {{ ref('int_invoice_day_activity') }} as batch
            where batch.source_file in (select files.path from {{ ref('stg_source_files_to_load') }} as files)
        )
    {%- endif -%}
{% endmacro %}
