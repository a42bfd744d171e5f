{#- The pre-hook of customer_segment_history when it adds rows to its stored table: deletes the stored
    periods computed from other inputs than today's (int_history_period_inputs) or no longer reported,
    so that the model computes exactly the periods the table then lacks. -#}
{% macro delete_changed_history_periods() %}
    {%- set stored = appendable_relation() -%}
    {%- if stored is not none -%}
        delete from {{ stored }}
        where not exists (
            select 1 from {{ ref('int_history_period_inputs') }} as inputs
            where
                inputs.as_of_date = {{ stored.identifier }}.as_of_date
                and inputs.inputs_fingerprint = {{ stored.identifier }}.inputs_fingerprint
        )
    {%- endif -%}
{% endmacro %}
