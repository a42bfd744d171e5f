{#- dbt-spark's seed loader for the session method pastes each value between quotes as it is, so a label
    with an apostrophe ("Can't Lose Them") breaks the insert. The same statement with every value written
    by sql_string (escaped) or null; found before dbt-spark's because the root project comes first. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set column_name = agate_table.column_names[loop.index0] -%}
                    {%- set column_type = column_override.get(column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ 'null' if value is none else sql_string(value) }} as {{ column_type }})
                    {{- ", " if not loop.last }}
                {%- endfor -%}){{ "," if not loop.last }}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{- return(statements[0]) -}}
{% endmacro %}
