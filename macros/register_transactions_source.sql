{#- Gives the source raw.transactions a relation where the engine cannot read a file in place.
    DuckDB reads the file through the source's external_location: nothing to do. Spark gets an external
    table raw.transactions over the file or glob (dropping it never touches the files), or a view of
    the table of the var source_table. -#}
{% macro register_transactions_source() %}
    {{- return(adapter.dispatch('register_transactions_source')()) -}}
{% endmacro %}

{% macro default__register_transactions_source() %}
    {{- exceptions.raise_compiler_error("Reading the transaction log is not supported on " ~ target.type ~ ": add a " ~ target.type ~ "__register_transactions_source macro.") -}}
{% endmacro %}

{% macro duckdb__register_transactions_source() %}
{% endmacro %}

{% macro spark__register_transactions_source() %}
    {%- if source_is_workbook() -%}
        {{- exceptions.raise_compiler_error("Excel workbooks are read by the project's DuckDB plugin and are not supported on spark: save the sheets as CSV or Parquet, or build on DuckDB.") -}}
    {%- endif -%}
    {%- if var('csv_delimiter') == 'whitespace' -%}
        {{- whitespace_fields('line') -}}
    {%- endif -%}
    {%- set path = var('source_path') -%}
    {%- if not path.startswith('/') and '://' not in path -%}
        {%- set path = env_var('SEGMENTS_PROJECT_DIR', '.') ~ '/' ~ path -%}
    {%- endif -%}
    {%- set relation = source('raw', 'transactions') -%}
    {%- do run_query("create database if not exists " ~ relation.schema) -%}
    {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing -%}
        {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {%- if var('source_table') -%}
        {%- set quoted = [] -%}
        {%- for part in var('source_table').split('.') -%}
            {%- do quoted.append(quoted_identifier(part)) -%}
        {%- endfor -%}
        {%- do run_query("create view " ~ relation ~ " as select * from " ~ quoted | join('.')) -%}
    {%- elif var('source_format') == 'csv' or (var('source_format') == 'auto'
        and (var('source_path') | lower).endswith(('.csv', '.csv.gz', '.tsv', '.txt'))) -%}
        {#- Every column as text, as DuckDB's all_varchar: staging types them. -#}
        {%- do run_query("create table " ~ relation ~ " using csv options (path " ~ sql_string(path)
            ~ ", header " ~ sql_string(var('csv_header') | lower) ~ ", sep " ~ sql_string(var('csv_delimiter'))
            ~ ", encoding " ~ sql_string(var('csv_encoding')) ~ ", inferSchema 'false')") -%}
    {%- else -%}
        {%- do run_query("create table " ~ relation ~ " using parquet options (path " ~ sql_string(path)
            ~ ", mergeSchema 'true')") -%}
    {%- endif -%}
{% endmacro %}
