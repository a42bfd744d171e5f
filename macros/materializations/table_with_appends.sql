{#- A table that a build either builds whole (the table materialization: the first build, a full
    refresh, other columns) or adds the model's rows to in place (appendable_relation), in one
    transaction with the model's pre-hooks, which delete what is to be replaced. Unlike the incremental
    materialization, the rows go straight into the table, not through a temporary copy first. -#}
{% materialization table_with_appends, adapter='duckdb', supported_languages=['sql'] %}
    {%- set target_relation = appendable_relation() -%}
    {%- if target_relation is none -%}
        {{ return(materialization_table_duckdb()) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% call statement('main') -%}
        insert into {{ target_relation }} by name
        select * from (
            {{ compiled_code }}
        ) as added_rows
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    -- `COMMIT` happens here
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
