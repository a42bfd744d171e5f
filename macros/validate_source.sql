{#- Checks that the raw source exists and has the mapped columns, and that timestamps parse. -#}
{% macro validate_source() %}
    {{- return(adapter.dispatch('validate_source')()) -}}
{% endmacro %}

{% macro default__validate_source() %}
{% endmacro %}

{% macro duckdb__validate_source() %}
    {%- set where = "source_table " ~ var('source_table') if var('source_table')
        else "source_path '" ~ var('source_path') ~ "'" -%}
    {%- if not var('source_table') -%}
        {%- set pattern = var('source_path') | replace("'", "''") -%}
        {%- set matches = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
        {%- if matches == 0 -%}
            {{- exceptions.raise_compiler_error("No file matches " ~ where ~ " (relative paths start at the project folder). Set the var source_path to a Parquet or CSV file or glob.") -}}
        {%- endif -%}
    {%- endif -%}
    {%- set described = run_query("describe select * from " ~ transactions_source()) -%}
    {%- set present = described.columns[0].values() | list -%}
    {%- for project_column, source_name in var('source_columns').items() if source_name -%}
        {%- if source_name not in present -%}
            {{- exceptions.raise_compiler_error("Column '" ~ source_name ~ "' (mapped to " ~ project_column ~ " in the var source_columns) is not in " ~ where ~ ". Its columns are: " ~ present | join(", ") ~ ".") -}}
        {%- endif -%}
    {%- endfor -%}
    {%- do _check_timestamps_parse(where, described) -%}
{% endmacro %}

{#- A text timestamp column must parse in full (typed Parquet columns need no check): one unreadable
    value means the format is wrong, which is an error rather than a pile of rejected rows. -#}
{% macro _check_timestamps_parse(where, described) %}
    {%- set source_name = var('source_columns')['invoiced_at'] -%}
    {%- set column_type = (described.rows | selectattr(0, 'equalto', source_name) | first)[1] -%}
    {%- if column_type not in ('VARCHAR', 'BLOB') -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set column = source_column('invoiced_at') -%}
    {%- set check -%}
        select count(*) as unreadable, min({{ column }}) as example
        from {{ transactions_source() }}
        where {{ column }} is not null and trim({{ column }}) != '' and {{ parse_timestamp(column) }} is null
    {%- endset -%}
    {%- set found = run_query(check).rows[0] -%}
    {%- if found[0] > 0 -%}
        {%- set expected = "the format '" ~ var('timestamp_format') ~ "' (var timestamp_format)" if var('timestamp_format')
            else "an ISO 8601 date or timestamp such as 2011-12-09 12:50:00 (set the var timestamp_format for another format, e.g. %d/%m/%Y %H:%M)" -%}
        {{- exceptions.raise_compiler_error("Column '" ~ source_name ~ "' in " ~ where ~ " has " ~ found[0] ~ " value(s) that are not " ~ expected ~ ", for example '" ~ found[1] ~ "'.") -}}
    {%- endif -%}
{% endmacro %}
