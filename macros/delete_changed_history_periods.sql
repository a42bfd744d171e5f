{#- The stored periods of customer_segment_history a build keeps: those computed from today's inputs
    (the same fingerprint in int_history_period_inputs, which lists only reported periods). Read when
    the model compiles, after its inputs were built, and again by its pre-hook, before anything is
    deleted, so both see the same table. Their as-of dates as text (YYYY-MM-DD, which DuckDB compares
    with a date), oldest first; none without a stored table. -#}
{% macro kept_history_periods(stored) %}
    {%- if stored is none -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set query -%}
        select distinct strftime(stored_rows.as_of_date, '%Y-%m-%d') as as_of_date
        from {{ stored }} as stored_rows
        inner join {{ ref('int_history_period_inputs') }} as inputs
            on
                stored_rows.as_of_date = inputs.as_of_date
                and stored_rows.inputs_fingerprint = inputs.inputs_fingerprint
        order by as_of_date
    {%- endset -%}
    {{- return(run_query(query).columns[0].values() | map('string') | list) -}}
{% endmacro %}

{#- The pre-hook of customer_segment_history when it adds rows to its stored table: deletes every
    stored period but the kept ones, so that the model computes exactly the periods the table then lacks. -#}
{% macro delete_changed_history_periods() %}
    {%- set stored = appendable_relation() -%}
    {%- if stored is not none -%}
        {%- set kept = kept_history_periods(stored) -%}
        delete from {{ stored }}
        {%- if kept %}
            where as_of_date not in ({{ sql_string_list(kept) }})
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
